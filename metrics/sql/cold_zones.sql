-- cold_zones: chronically cold places, per building and high/low zone (高低区),
-- so the operations team sees which half of a building to rebalance.
-- Valid, non-exempt readings only; a zone is listed when it failed at least once.
--   weeks_failed  ISO weeks (Monday first) with at least one failed reading
-- The sums per zone are zone_readings'.

with failed_weeks as (

    -- failed readings are counted ones; a zone's failed weeks, one row each
    select distinct branch, station, community, building, zone,
        date_trunc('week', measured_at) as week
    from reading_marks
    where failed

),

zone_weeks as (

    select branch, station, community, building, zone, count(*) as weeks_failed
    from failed_weeks
    group by branch, station, community, building, zone

),

zones as (

    select
        * exclude (indoor_sum),
        readings_failed / readings_counted as failed_share,
        round(indoor_sum / readings_counted, 2) as mean_indoor_c
    from zone_readings
    where readings_failed > 0

),

final as (

    select
        z.branch,
        z.station,
        z.community,
        z.building,
        z.zone,
        z.readings_counted,
        z.readings_failed,
        z.failed_share,
        w.weeks_failed,
        z.households_measured,
        z.households_failed,
        z.lowest_indoor_c,
        z.mean_indoor_c
    from zones z
    left join zone_weeks w
        on w.branch is not distinct from z.branch
        and w.station is not distinct from z.station
        and w.community is not distinct from z.community
        and w.building is not distinct from z.building
        and w.zone is not distinct from z.zone

)

select * from final
