-- household_coverage: every household heated in the period's season
-- (heated_households), and whether it had at least one valid (signed) reading
-- in the period, and the time of its last.
-- A period with no heating day (a summer week) has none: nobody is measured
-- then, so its coverage is no figure ("—"), not 0 %.
-- A household's last valid reading is marked (reading_marks): one row per
-- measured household, no grouping of the readings.

with measured as (

    select household_id, measured_at as last_valid_at
    from reading_marks
    where last_valid

),

final as (

    select
        h.household_id,
        h.branch,
        h.station,
        h.community,
        h.building,
        h.zone,
        h.customer_type,
        m.household_id is not null as measured,
        m.last_valid_at,
        h.batch_id,
        h.source_row
    from heated_households h
    left join measured m using (household_id)
    where $has_heating_day

)

select * from final
