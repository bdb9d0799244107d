-- zone_readings: the period's counted (valid, non-exempt) readings per building
-- and high/low zone (高低区), the sums the cold-place lists are made of.
-- Households are counted by their marked last readings (reading_marks), so
-- the readings are grouped by zone only, never by household.
--   households_measured  with a counted reading; households_failed  whose last
--                        counted reading failed (as the household compliance rate)
--   indoor_sum           rounded: a mean's digits must not depend on summation order

with counted as (

    select *
    from reading_marks
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
        count(*) filter (where last_counted) as households_measured,
        count(*) filter (where last_counted and failed) as households_failed,
        min(indoor_c) as lowest_indoor_c,
        round(sum(indoor_c), 6) as indoor_sum
    from counted
    group by branch, station, community, building, zone

)

select * from final
