-- cold_zones: chronically cold places, per building and high/low zone (高低区),
-- so the operations team sees which half of a building to rebalance.
-- Valid, non-exempt readings only; a zone is listed when it failed at least once.
--   weeks_failed  ISO weeks (Monday first) with at least one failed reading
-- Counted per household first, then per zone: the roster is joined to
-- households, not to every reading; only failed readings are kept by week.

with per_household as (

    select *
    from counted_by_household

),

failed_weeks as (

    -- failed readings are counted ones
    select distinct household_id, date_trunc('week', measured_at) as week
    from reading_facts
    where failed

),

zones as (

    select
        d.branch,
        d.station,
        d.community,
        d.building,
        d.zone,
        cast(sum(h.readings_counted) as bigint) as readings_counted,
        cast(sum(h.readings_failed) as bigint) as readings_failed,
        count(*) as households_measured,
        count(*) filter (where h.readings_failed > 0) as households_failed,
        min(h.lowest_indoor_c) as lowest_indoor_c,
        round(round(sum(h.indoor_sum), 6) / sum(h.readings_counted), 2) as mean_indoor_c
    from per_household h
    left join household_dims d using (household_id)
    group by d.branch, d.station, d.community, d.building, d.zone
    having sum(h.readings_failed) > 0

),

zone_weeks as (

    select
        d.branch,
        d.station,
        d.community,
        d.building,
        d.zone,
        count(distinct w.week) as weeks_failed
    from failed_weeks w
    left join household_dims d using (household_id)
    group by d.branch, d.station, d.community, d.building, d.zone

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
        z.readings_failed / z.readings_counted as failed_share,
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
