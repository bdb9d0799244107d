-- household_latest_readings: each household with a valid, non-exempt reading in
-- the period, and whether its latest such reading met its target. When a query
-- groups by day or week, "latest" is per household and day/week: readings are
-- bucketed by $bucket_width from $bucket_origin (the whole period is one bucket
-- otherwise). Readings are grouped first (from reading_checks, without
-- dimensions) and the roster is joined after, once per household (registry:
-- roster model): joining it to every reading cost more than the grouping.

with counted as (

    select
        *,
        time_bucket($bucket_width, measured_at, $bucket_origin) as time_bucket
    from reading_checks
    where counted

),

latest as (

    select
        household_id,
        time_bucket,
        max(measured_at) as measured_at,
        -- (household_id, measured_at) is the readings' key: one reading per
        -- household and time, so these pick the same row, and a query that
        -- reads only indoor_c computes only the first.
        arg_max(indoor_c, measured_at) as indoor_c,
        arg_max(batch_id, measured_at) as batch_id,
        arg_max(source_row, measured_at) as source_row,
        count(*) as readings
    from counted
    group by household_id, time_bucket

),

final as (

    select
        l.household_id,
        l.time_bucket,
        l.measured_at,
        l.indoor_c,
        l.readings,
        coalesce(t.own_target_c, $residential_target_c) as target_c,
        l.indoor_c >= target_c as compliant,
        l.batch_id,
        l.source_row
    from latest l
    left join household_targets t using (household_id)

)

select * from final
