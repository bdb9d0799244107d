-- reading_checks: every temperature reading of the period with the flags that
-- need nothing but the reading itself (no household dimensions: what groups
-- readings per household reads this, and takes the roster once per household).
--   valid     signed by the resident (service rules art. 11(7))
--   unsigned  not valid (no signature, or none recorded)
--   exempt    valid, and taken when it was colder outdoors than the design
--             temperature (GB 50736-2012 App. A); NULL outdoor is not exempt
--   counted   valid and not exempt: the compliance denominator

with readings_in_period as (

    select *
    from temperature_readings
    where measured_at >= $start_at and measured_at < $cutoff_at

),

final as (

    select
        household_id,
        measured_at,
        indoor_c,
        outdoor_c,
        coalesce(signed, false) as valid,
        not valid as unsigned,
        valid and coalesce(outdoor_c < $design_outdoor_c, false) as exempt,
        valid and not exempt as counted,
        inspector,
        note,
        batch_id,
        source_row
    from readings_in_period

)

select * from final
