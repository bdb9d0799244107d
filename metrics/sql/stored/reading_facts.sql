-- reading_facts, stored: the same rows and columns as ../reading_facts.sql,
-- each reading's target kept beside it by metrics/stored.py.

with final as (

    select
        * exclude (household_key, next_valid_at, next_counted_at, next_point_at),
        counted and indoor_c >= target_c as compliant,
        counted and indoor_c < target_c as failed
    from reading_checks_stored
    where measured_at >= $start_at and measured_at < $cutoff_at

)

select * from final
