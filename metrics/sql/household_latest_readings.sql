-- household_latest_readings: each household with a valid, non-exempt reading in
-- the period, and whether its latest such reading met its target. When a query
-- groups by day or week, "latest" is per household and day/week
-- (latest_counted_readings). The latest readings are picked without dimensions
-- and the roster is joined after, once per household (registry: roster model):
-- joining it to every reading cost more than picking them.

with latest as (

    select *
    from latest_counted_readings

),

final as (

    select
        l.household_id,
        l.time_bucket,
        l.measured_at,
        l.indoor_c,
        coalesce(t.own_target_c, $residential_target_c) as target_c,
        l.indoor_c >= target_c as compliant,
        l.batch_id,
        l.source_row
    from latest l
    left join household_targets t using (household_id)

)

select * from final
