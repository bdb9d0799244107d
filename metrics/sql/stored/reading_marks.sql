-- reading_marks, stored: the same rows and columns as ../reading_marks.sql. A
-- reading is its household's last of a kind in the period when the household's
-- next reading of that kind (next_*_at, kept by metrics/stored.py) is after the
-- period, or there is none. household_key is the integer the table keeps.

with final as (

    select
        * exclude (household_key, next_valid_at, next_counted_at, next_point_at),
        counted and indoor_c >= target_c as compliant,
        counted and indoor_c < target_c as failed,
        valid and not stopped and outdoor_c is not null and indoor_c is not null as fit_point,
        household_key,
        valid and coalesce(next_valid_at >= $cutoff_at, true) as last_valid,
        counted and coalesce(next_counted_at >= $cutoff_at, true) as last_counted,
        fit_point and coalesce(next_point_at >= $cutoff_at, true) as last_point
    from reading_checks_stored
    where measured_at >= $start_at and measured_at < $cutoff_at

)

select * from final
