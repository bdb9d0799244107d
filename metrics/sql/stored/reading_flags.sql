-- reading_flags, stored: the same rows and columns as ../reading_flags.sql with
-- the roster's dimensions the query layer would attach, kept with each reading
-- by metrics/stored.py (no join of the roster to millions of readings).

with final as (

    select * exclude (target_c, household_key, next_valid_at, next_counted_at,
                      next_point_at)
    from reading_checks_stored
    where measured_at >= $start_at and measured_at < $cutoff_at

)

select * from final
