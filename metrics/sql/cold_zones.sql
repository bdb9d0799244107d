-- cold_zones: chronically cold places, per building and high/low zone (高低区),
-- so the operations team sees which half of a building to rebalance.
-- Valid, non-exempt readings only; a zone is listed when it failed at least once.
--   weeks_failed  ISO weeks (Monday first) with at least one failed reading
-- Counted per household and week first, then per zone: the roster is joined
-- to those, not to every reading.

with counted as (

    select household_id, measured_at, indoor_c, failed
    from reading_facts
    where counted

),

household_weeks as (

    select
        household_id,
        date_trunc('week', measured_at) as week,
        count(*) as readings,
        count(*) filter (where failed) as failed,
        min(indoor_c) as lowest_indoor_c,
        sum(indoor_c) as indoor_sum
    from counted
    group by household_id, date_trunc('week', measured_at)

),

final as (

    select
        d.branch,
        d.station,
        d.community,
        d.building,
        d.zone,
        cast(sum(w.readings) as bigint) as readings_counted,
        cast(sum(w.failed) as bigint) as readings_failed,
        sum(w.failed) / sum(w.readings) as failed_share,
        count(distinct w.week) as weeks_measured,
        count(distinct w.week) filter (where w.failed > 0) as weeks_failed,
        count(distinct w.household_id) as households_measured,
        count(distinct w.household_id) filter (where w.failed > 0) as households_failed,
        min(w.lowest_indoor_c) as lowest_indoor_c,
        round(sum(w.indoor_sum) / sum(w.readings), 2) as mean_indoor_c
    from household_weeks w
    left join household_dims d using (household_id)
    group by d.branch, d.station, d.community, d.building, d.zone
    having sum(w.failed) > 0

)

select * from final
