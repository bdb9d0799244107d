-- reading_checks: every temperature reading of the period with the flags that
-- need nothing but the reading itself (no household dimensions: what groups
-- readings per household reads this, and takes the roster once per household).
--   valid     signed by the resident (service rules art. 11(7))
--   unsigned  not valid (no signature, or none recorded)
--   exempt    valid, and the 18 °C guarantee (service rules art. 10) does not
--             hold: taken when it was colder outdoors than the design
--             temperature (GB 50736-2012 App. A; NULL outdoor is not exempt),
--             or at a household the roster has stopped (停热): not heated
--   counted   valid and not exempt: the compliance denominator
--   stopped   the roster has the household stopped (停热): its room is not
--             heated, so no point of the cold-day fit (cold_risk) either
-- (The one roster fact read: the few stopped households, as a set.)

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

marked as (

    select r.*, s.household_id is not null as at_stopped
    from readings_in_period r
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
