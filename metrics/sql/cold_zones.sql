-- cold_zones: chronically cold places, per building and high/low zone (高低区),
-- so the operations team sees which half of a building to rebalance.
-- Valid, non-exempt readings only; a zone is listed when it failed at least once.
--   weeks_failed  ISO weeks (Monday first) with at least one failed reading

with counted as (

    select *
    from reading_facts
    where counted

),

final as (

    select
        branch,
        station,
        community,
        building,
        zone,
        count(*) as readings_counted,
        count(*) filter (where failed) as readings_failed,
        count(*) filter (where failed) / count(*) as failed_share,
        count(distinct date_trunc('week', measured_at)) as weeks_measured,
        count(distinct date_trunc('week', measured_at)) filter (where failed) as weeks_failed,
        count(distinct household_id) as households_measured,
        count(distinct household_id) filter (where failed) as households_failed,
        min(indoor_c) as lowest_indoor_c,
        round(avg(indoor_c), 2) as mean_indoor_c
    from counted
    group by branch, station, community, building, zone
    having count(*) filter (where failed) > 0

)

select * from final
