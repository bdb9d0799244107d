-- reading_flags: reading_checks with the household's dimensions, which the
-- query layer attaches when a request filters or groups by them (registry:
-- roster model).

with final as (

    select *
    from reading_checks

)

select * from final
