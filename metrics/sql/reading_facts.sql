-- reading_facts: every temperature reading of the period, with its household's
-- dimensions and target and the flags the temperature KPIs count.
--   valid     signed by the resident (service rules art. 11(7))
--   exempt    valid, and taken when it was colder outdoors than the design
--             temperature (GB 50736-2012 App. A); NULL outdoor is not exempt
--   counted   valid and not exempt: the compliance denominator
--   compliant counted and indoor >= target; failed: counted and below target
-- A reading of a household missing from the roster has no dimensions and the
-- residential target.

with readings_in_period as (

    select *
    from temperature_readings
    where measured_at >= $start_at and measured_at < $cutoff_at

),

with_household as (

    select
        r.household_id,
        r.measured_at,
        r.indoor_c,
        r.outdoor_c,
        coalesce(r.signed, false) as valid,
        r.inspector,
        r.note,
        h.branch,
        h.station,
        h.community,
        h.building,
        h.zone,
        h.customer_type,
        coalesce(h.target_c, $residential_target_c) as target_c,
        r.batch_id,
        r.source_row
    from readings_in_period r
    left join household_dims h using (household_id)

),

final as (

    select
        *,
        valid and coalesce(outdoor_c < $design_outdoor_c, false) as exempt,
        valid and not exempt as counted,
        counted and indoor_c >= target_c as compliant,
        counted and indoor_c < target_c as failed,
        not valid as unsigned
    from with_household

)

select * from final
