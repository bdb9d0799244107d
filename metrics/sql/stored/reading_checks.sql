-- reading_checks, stored: the same rows and columns as ../reading_checks.sql,
-- read from the table metrics/stored.py keeps (flags computed when the
-- readings were loaded, with the settings derived_state records). The table's
-- columns are reading_checks', the household's dimensions, its target and
-- the next_*_at marks, in that order.

with final as (

    select * exclude (branch, station, community, building, zone, customer_type,
                      target_c, household_key, next_valid_at, next_counted_at,
                      next_point_at)
    from reading_checks_stored
    where measured_at >= $start_at and measured_at < $cutoff_at

)

select * from final
