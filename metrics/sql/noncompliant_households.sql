-- noncompliant_households: households whose latest valid, non-exempt reading in
-- the period was below their target (the complement of the household compliance
-- rate's numerator), each with its readings of the period.

with latest_failed as materialized (

    select *
    from household_latest_readings
    where not compliant

),

history as (

    select
        household_id,
        count(*) as readings_counted,
        count(*) filter (where failed) as readings_failed,
        min(indoor_c) as lowest_indoor_c,
        string_agg(strftime(measured_at, '%m-%d %H:%M') || ' ' || cast(indoor_c as varchar)
                   || '℃' || case when failed then '✗' else '' end,
                   '; ' order by measured_at) as readings
    from reading_facts
    where counted and household_id in (select household_id from latest_failed)
    group by household_id

),

final as (

    select
        l.household_id,
        l.branch,
        l.station,
        l.community,
        l.building,
        h.unit,
        h.room,
        l.zone,
        l.customer_type,
        h.name,
        h.phone,
        h.address,
        l.target_c,
        l.measured_at as latest_measured_at,
        l.indoor_c as latest_indoor_c,
        hi.readings_counted,
        hi.readings_failed,
        hi.lowest_indoor_c,
        hi.readings
    from latest_failed l
    left join household_dims h using (household_id)
    left join history hi using (household_id)

)

select * from final
