-- building_readings: the readings of the period per building, split as the
-- temperature KPIs split them; the drill-down adds buildings up to any level
-- (branch, station, community) without reading the readings again.
-- Counted per household first: the roster is joined to households, not to
-- every reading.

with facts as (

    select household_id, unsigned, exempt, counted, compliant
    from reading_facts

),

per_household as (

    select
        household_id,
        count(*) as readings,
        count(*) filter (where unsigned) as unsigned,
        count(*) filter (where exempt) as exempt,
        count(*) filter (where counted) as counted,
        count(*) filter (where compliant) as compliant
    from facts
    group by household_id

),

final as (

    select
        d.branch,
        d.station,
        d.community,
        d.building,
        cast(sum(h.readings) as bigint) as readings,
        cast(sum(h.unsigned) as bigint) as unsigned,
        cast(sum(h.exempt) as bigint) as exempt,
        cast(sum(h.counted) as bigint) as counted,
        cast(sum(h.compliant) as bigint) as compliant
    from per_household h
    left join household_dims d using (household_id)
    group by d.branch, d.station, d.community, d.building

)

select * from final
