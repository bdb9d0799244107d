-- counted_by_household: each household's valid, non-exempt readings of the
-- period, counted, before any roster join (the cold-place lists sum these per
-- building or zone: joining the roster to households costs less than to every
-- reading).

with final as (

    select
        household_id,
        count(*) as readings_counted,
        count(*) filter (where failed) as readings_failed,
        min(indoor_c) as lowest_indoor_c,
        -- rounded: the mean's digits must not depend on summation order
        round(sum(indoor_c), 6) as indoor_sum
    from reading_facts
    where counted
    group by household_id

)

select * from final
