-- household_latest_readings: each household with a valid, non-exempt reading in
-- the period, and whether its latest such reading met its target. When a query
-- groups by day or week ($time_grain), "latest" is per household and day/week.

with counted as (

    select
        *,
        case $time_grain
            when 'day' then cast(measured_at as date)
            when 'week' then cast(date_trunc('week', measured_at) as date)
        end as time_bucket
    from reading_facts
    where counted

),

final as (

    select
        household_id,
        time_bucket,
        max(measured_at) as measured_at,
        arg_max(indoor_c, measured_at) as indoor_c,
        any_value(target_c) as target_c,
        arg_max(compliant, measured_at) as compliant,
        count(*) as readings,
        any_value(branch) as branch,
        any_value(station) as station,
        any_value(community) as community,
        any_value(building) as building,
        any_value(zone) as zone,
        any_value(customer_type) as customer_type,
        arg_max(batch_id, measured_at) as batch_id,
        arg_max(source_row, measured_at) as source_row
    from counted
    group by household_id, time_bucket

)

select * from final
