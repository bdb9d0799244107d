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
        -- Service rules art. 10: residential rooms 18 °C; non-residential and
        -- bungalow customers by their contract, else the default.
        case when customer_type = '居民' then $residential_target_c
             else coalesce(contract_temp_c, $default_contract_temp_c) end as target_c,
        -- A household without a status is taken as heated (the roster's default).
        coalesce(heating_status, '供热') <> '停热' as heated,
        batch_id,
        source_row
    from roster

)

select * from final
