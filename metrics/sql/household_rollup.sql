-- household_rollup: each household with a reading in the period, with the
-- same counts the temperature KPIs use (drill-down below the building):
--   readings    all readings; unsigned, exempt and counted as reading_flags
--   compliant   counted and at or above target; compliance = compliant / counted
--   latest_*    the household's latest valid, non-exempt reading

with facts as (

    select *
    from reading_facts

),

per_household as (

    select
        household_id,
        any_value(branch) as branch,
        any_value(station) as station,
        any_value(community) as community,
        any_value(building) as building,
        any_value(zone) as zone,
        any_value(customer_type) as customer_type,
        any_value(target_c) as target_c,
        count(*) as readings,
        count(*) filter (where unsigned) as unsigned,
        count(*) filter (where exempt) as exempt,
        count(*) filter (where counted) as counted,
        count(*) filter (where compliant) as compliant,
        count(*) filter (where failed) as failed,
        min(indoor_c) filter (where counted) as lowest_indoor_c,
        max(measured_at) filter (where counted) as latest_measured_at,
        arg_max(indoor_c, measured_at) filter (where counted) as latest_indoor_c
    from facts
    group by household_id

),

final as (

    select
        p.household_id,
        p.branch,
        p.station,
        p.community,
        p.building,
        h.unit,
        h.room,
        p.zone,
        p.customer_type,
        p.target_c,
        p.readings,
        p.unsigned,
        p.exempt,
        p.counted,
        p.compliant,
        p.failed,
        case when p.counted > 0 then p.compliant / p.counted end as compliance_rate,
        p.lowest_indoor_c,
        p.latest_measured_at,
        p.latest_indoor_c
    from per_household p
    left join household_dims h using (household_id)

)

select * from final
