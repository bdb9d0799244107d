-- cold_risk: per building, a least-squares line of indoor against outdoor
-- temperature over its valid readings, and the indoor temperature the line
-- expects at the heating outdoor design temperature ($design_outdoor_c).
--   Exempt readings are kept: the coldest days are what the line is about.
--   Unsigned readings are left out (invalid, service rules art. 11(7)), and
--   so are a stopped household's (its room is not heated).
--   fit_ok   enough readings ($min_readings) over a wide enough outdoor span
--            ($min_outdoor_span_c) for the line to say anything
--   target_c the building's usual target: that of most of its measured homes
--            (18 °C for homes; a shop's contract may differ); a tie, the higher
-- A building is named within its community: "1号楼" exists in many.
-- Households are counted by their marked last points (reading_marks), so the
-- readings are summed per building and target, never grouped by household
-- (the least-squares line needs only n, Σx, Σy, Σxx, Σxy, Σyy). Sums are
-- rounded to 6 decimals (readings have at most two, so their products four):
-- a float sum's last bits depend on the order threads add rows in, and a mean
-- or a fit must read the same on every run.

with per_target as (

    select
        branch,
        station,
        community,
        building,
        target_c,
        count(*) as n,
        count(*) filter (where last_point) as homes,
        round(sum(outdoor_c), 6) as sx,
        round(sum(indoor_c), 6) as sy,
        round(sum(outdoor_c * outdoor_c), 6) as sxx,
        round(sum(outdoor_c * indoor_c), 6) as sxy,
        round(sum(indoor_c * indoor_c), 6) as syy,
        min(outdoor_c) as outdoor_min_c,
        max(outdoor_c) as outdoor_max_c
    from reading_marks
    where fit_point
    group by branch, station, community, building, target_c

),

sums as (

    select
        branch,
        station,
        community,
        building,
        cast(sum(n) as bigint) as readings,
        cast(sum(homes) as bigint) as households,
        min(outdoor_min_c) as outdoor_min_c,
        max(outdoor_max_c) as outdoor_max_c,
        round(sum(sx), 6) as sx,
        round(sum(sy), 6) as sy,
        round(sum(sxx), 6) as sxx,
        round(sum(sxy), 6) as sxy,
        round(sum(syy), 6) as syy,
        -- the target of most homes; of two as common, the higher
        arg_max(target_c, homes * 1000 + target_c) as target_c
    from per_target
    group by branch, station, community, building

),

fits as (

    select
        branch,
        station,
        community,
        building,
        readings,
        households,
        outdoor_min_c,
        outdoor_max_c,
        round(sy / readings, 2) as mean_indoor_c,
        sx,
        sy,
        readings * sxx - sx * sx as dxx,
        readings * sxy - sx * sy as dxy,
        readings * syy - sy * sy as dyy,
        target_c
    from sums

),

final as (

    select
        branch,
        station,
        community,
        building,
        readings,
        households,
        outdoor_min_c,
        outdoor_max_c,
        mean_indoor_c,
        -- Σ-formulas of least squares; no line through points of one outdoor temperature
        case when dxx > 0 then dxy / dxx end as slope,
        case when dxx > 0 then (sy - dxy / dxx * sx) / readings end as intercept,
        case when dxx > 0 and dyy > 0 then dxy * dxy / (dxx * dyy)
             when dxx > 0 then 1.0 end as r2,
        target_c,
        intercept + slope * $design_outdoor_c as expected_indoor_c,
        coalesce(readings >= $min_readings
                 and outdoor_max_c - outdoor_min_c >= $min_outdoor_span_c
                 and slope is not null, false) as fit_ok,
        fit_ok and expected_indoor_c < target_c as expected_below_target
    from fits

)

select * from final
