-- reading_checks: every temperature reading of the period with the flags that
-- need nothing but the reading itself (no household dimensions: what groups
-- readings per household reads this, and takes the roster once per household).
--   valid     signed by the resident (service rules art. 11(7))
--   unsigned  not valid (no signature, or none recorded)
--   exempt    valid, and the 18 °C guarantee (service rules art. 10) does not
--             hold: taken when it was colder outdoors than the design
--             temperature (GB 50736-2012 App. A; NULL outdoor is not exempt),
--             or at a household stopped (停热) in the reading's season: not heated
--   counted   valid and not exempt: the compliance denominator
--   stopped   the household was stopped (停热) in the reading's season: its
--             room is not heated, so no point of the cold-day fit (cold_risk)
--             either. The season's bill says so; a household with no bill of
--             that season, or one with no status on it, as the roster says
--             (bill_checks.sql reads a bill's status the same way). A household
--             that stopped this season was heated, and is measured, last season.
-- A reading's season is coverage.season_of's: a day after the season's last
-- day belongs to the coming one.
-- (The roster and bill facts read: a status per household and season, a set.)

with readings_in_period as (

    select *
    from temperature_readings
    where measured_at >= $start_at and measured_at < $cutoff_at

),

stopped_households as (

    select distinct household_id
    from households
    where heating_status = '停热'

),

-- by the season's first year (a bill per household and season: the key)
season_statuses as (

    select
        household_id,
        try_cast(left(season, 4) as integer) as season_year,
        bool_or(heating_status = '停热') as season_stopped
    from fee_bills
    where heating_status is not null
    group by all

),

marked as (

    select
        r.*,
        coalesce(b.season_stopped, s.household_id is not null) as at_stopped
    from readings_in_period r
    left join season_statuses b
        on b.household_id = r.household_id
        and b.season_year = year(r.measured_at) - case
            when month(r.measured_at) * 100 + day(r.measured_at)
                > $season_end_month * 100 + $season_end_day then 0 else 1 end
    left join stopped_households s on s.household_id = r.household_id

),

final as (

    select
        household_id,
        measured_at,
        indoor_c,
        outdoor_c,
        coalesce(signed, false) as valid,
        not valid as unsigned,
        valid and (coalesce(outdoor_c < $design_outdoor_c, false) or at_stopped) as exempt,
        valid and not exempt as counted,
        at_stopped as stopped,
        inspector,
        note,
        batch_id,
        source_row
    from marked

)

select * from final
