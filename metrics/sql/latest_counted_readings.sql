-- latest_counted_readings: each household's latest valid, non-exempt reading
-- of each time bucket of the period (readings are bucketed by $bucket_width
-- from $bucket_origin; without a day or week grouping the whole period is one
-- bucket). Grouped from reading_checks, without dimensions. A warehouse that
-- keeps reading_checks stored reads stored/latest_counted_readings.sql instead
-- (a filter, not a grouping; metrics/stored.py).

with counted as (

    select
        *,
        time_bucket($bucket_width, measured_at, $bucket_origin) as time_bucket
    from reading_checks
    where counted

),

final as (

    select
        household_id,
        time_bucket,
        max(measured_at) as measured_at,
        -- (household_id, measured_at) is the readings' key: one reading per
        -- household and time, so these pick the same row, and a query that
        -- reads only indoor_c computes only the first.
        arg_max(indoor_c, measured_at) as indoor_c,
        arg_max(batch_id, measured_at) as batch_id,
        arg_max(source_row, measured_at) as source_row
    from counted
    group by household_id, time_bucket

)

select * from final
