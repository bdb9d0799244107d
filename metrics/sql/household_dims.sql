-- household_dims: one row per roster household, with the dimensions every KPI
-- slices by, its room-temperature target and whether it is heated.
-- A lookup, not filtered itself: the models built on it are.

with roster as (

    select * from households

),

final as (

    select
        household_id,
        branch,
        station,
        community,
        building,
        unit,
        floor,
        room,
        zone,
        customer_type,
        heated_area_m2,
        contract_temp_c,
        heating_status,
        name,
        phone,
        address,
        -- Service rules art. 10: rooms are guaranteed 18 °C; only bungalow
        -- (平房) and non-residential (非居民) customers are held to their
        -- contract, else the default. A household whose type is not given is
        -- not one of them: the residential target, as for one missing from
        -- the roster (household_targets).
        case when customer_type in ('非居民', '平房')
             then coalesce(contract_temp_c, $default_contract_temp_c)
             else $residential_target_c end as target_c,
        -- A household without a status is taken as heated (the roster's default).
        coalesce(heating_status, '供热') <> '停热' as heated,
        batch_id,
        source_row
    from roster

)

select * from final
