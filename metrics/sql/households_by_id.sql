-- households_by_id: the roster's details of the households in $household_ids, a
-- lookup for lists whose rows were picked elsewhere (the largest debtors).

with roster as (

    select *
    from household_dims
    where list_contains($household_ids::varchar[], household_id)

),

final as (

    select
        household_id,
        branch,
        station,
        community,
        building,
        unit,
        room,
        zone,
        customer_type,
        name,
        phone,
        address
    from roster

)

select * from final
