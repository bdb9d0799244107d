-- household_latest_readings: each household with a valid, non-exempt reading in
-- the period, and whether its latest such reading met its target. When a query
-- groups by day or week, "latest" is per household and day/week: readings are
-- bucketed by $bucket_width from $bucket_origin (the whole period is one bucket
-- otherwise). Readings are grouped first and the roster read after, once per
-- household.

with counted as (

    select
        *,
        time_bucket($bucket_width, measured_at, $bucket_origin) as time_bucket
    from reading_flags
    where counted

),

latest as (

    select
        household_id,
        time_bucket,
        max(measured_at) as measured_at,
        arg_max({'indoor_c': indoor_c, 'batch_id': batch_id, 'source_row': source_row},
                measured_at) as last,
        count(*) as readings,
        any_value(branch) as branch,
        any_value(station) as station,
        any_value(community) as community,
        any_value(building) as building,
        any_value(zone) as zone,
        any_value(customer_type) as customer_type
    from counted
    group by household_id, time_bucket

),

final as (

    select
        l.household_id,
        l.time_bucket,
        l.measured_at,
        l.last.indoor_c as indoor_c,
        l.readings,
        l.branch,
        l.station,
        l.community,
        l.building,
        l.zone,
        l.customer_type,
        coalesce(t.own_target_c, $residential_target_c) as target_c,
        l.last.indoor_c >= target_c as compliant,
        l.last.batch_id as batch_id,
        l.last.source_row as source_row
    from latest l
    left join household_targets t using (household_id)

)

select * from final
