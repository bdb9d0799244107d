-- latest_counted_readings, stored: the same rows as ../latest_counted_readings.sql.
-- A counted reading is its household's latest of a bucket when the household's
-- next counted reading (next_counted_at, kept by metrics/stored.py) is after
-- the period or in another bucket: a filter over the readings, where the file
-- beside this one groups them by household.

with final as (

    select
        household_id,
        time_bucket($bucket_width, measured_at, $bucket_origin) as time_bucket,
        measured_at,
        indoor_c,
        batch_id,
        source_row
    from reading_checks_stored
    where counted
      and measured_at >= $start_at and measured_at < $cutoff_at
      and (next_counted_at is null
           or next_counted_at >= $cutoff_at
           -- days or weeks: is the next one in another bucket? (When the one
           -- bucket is the period itself, every next before the cut-off is in
           -- it: the test is skipped.)
           or (not ($bucket_origin = $start_at and $bucket_width >= $cutoff_at - $start_at)
               and time_bucket($bucket_width, next_counted_at, $bucket_origin)
                   <> time_bucket($bucket_width, measured_at, $bucket_origin)))

)

select * from final
