-- reading_marks: reading_facts, each reading marked when it is its household's
-- last of a kind in the period, so that "households with such a reading" is a
-- count of marked readings, not a grouping of readings by household:
--   last_valid    the household's last valid reading of the period
--   last_counted  its last counted (valid, non-exempt) reading
--   last_point    its last reading the cold-day fit uses (fit_point)
--   fit_point     valid, with an indoor and an outdoor temperature, of a
--                 household not stopped (cold_risk)
--   household_key the household within one query, to group or join readings
--                 by: here its id; stored rows keep an integer, cheaper to hash
-- (household_id, measured_at) is the readings' key, so each household has at
-- most one reading of each mark. A warehouse with stored readings reads
-- stored/reading_marks.sql (the household's next reading of each kind kept
-- with every reading: a filter, not a window).

with facts as (

    select
        *,
        valid and not stopped and outdoor_c is not null and indoor_c is not null as fit_point
    from reading_facts

),

final as (

    select
        *,
        household_id as household_key,
        valid and lead(case when valid then measured_at end ignore nulls)
            over household is null as last_valid,
        counted and lead(case when counted then measured_at end ignore nulls)
            over household is null as last_counted,
        fit_point and lead(case when fit_point then measured_at end ignore nulls)
            over household is null as last_point
    from facts
    window household as (partition by household_id order by measured_at)

)

select * from final
