-- ticket_placed, stored: the same rows and columns as ../ticket_placed.sql,
-- read from the table metrics/stored.py keeps (every ticket's row computed for
-- all time, with the settings derived_state records).

with final as (

    select *
    from ticket_facts_stored
    where received_at < $cutoff_at

)

select * from final
