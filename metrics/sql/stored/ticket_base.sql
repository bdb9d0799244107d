-- ticket_base, stored: the same rows and columns as ../ticket_base.sql: the
-- stored ticket_facts without the dimensions (read from the same table, they
-- cost no join).

with final as (

    select * exclude (branch, station, community, building, zone, customer_type)
    from ticket_facts

)

select * from final
