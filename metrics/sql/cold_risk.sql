-- cold_risk: per building, a least-squares line of indoor against outdoor
-- temperature over its valid readings, and the indoor temperature the line
-- expects at the heating outdoor design temperature ($design_outdoor_c).
--   Exempt readings are kept: the coldest days are what the line is about.
--   Unsigned readings are left out (invalid, service rules art. 11(7)).
--   fit_ok   enough readings ($min_readings) over a wide enough outdoor span
--            ($min_outdoor_span_c) for the line to say anything
--   target_c the building's usual target (most readings'; 18 °C for homes)
-- A building is named within its community: "1号楼" exists in many.

with points as (

    select *
    from reading_facts
    where valid and outdoor_c is not null and indoor_c is not null

),

fits as (

    select
        branch,
        station,
        community,
        building,
        count(*) as readings,
        count(distinct household_id) as households,
        min(outdoor_c) as outdoor_min_c,
        max(outdoor_c) as outdoor_max_c,
        round(avg(indoor_c), 2) as mean_indoor_c,
        regr_slope(indoor_c, outdoor_c) as slope,
        regr_intercept(indoor_c, outdoor_c) as intercept,
        regr_r2(indoor_c, outdoor_c) as r2,
        mode(target_c) as target_c
    from points
    group by branch, station, community, building

),

final as (

    select
        *,
        intercept + slope * $design_outdoor_c as expected_indoor_c,
        coalesce(readings >= $min_readings
                 and outdoor_max_c - outdoor_min_c >= $min_outdoor_span_c
                 and slope is not null, false) as fit_ok,
        fit_ok and expected_indoor_c < target_c as expected_below_target
    from fits

)

select * from final
