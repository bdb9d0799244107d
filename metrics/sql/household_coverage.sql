-- household_coverage: every heated household of the roster, and whether it had
-- at least one valid (signed) reading in the period.

with measured as (

    -- The readings without dimensions: the roster below has them, once per
    -- household (joining it to every reading first cost more than the count).
    select household_id, count(*) as valid_readings
    from reading_checks
    where valid
    group by household_id

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
        coalesce(m.valid_readings, 0) as valid_readings,
        h.batch_id,
        h.source_row
    from household_dims h
    left join measured m using (household_id)
    where h.heated

)

select * from final
