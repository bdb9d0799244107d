-- building_readings: the readings of the period per building, split as the
-- temperature KPIs split them; the drill-down adds buildings up to any level
-- (branch, station, community) without reading the readings again.
-- Grouped by the dimensions each reading carries (a loaded warehouse stores
-- them with the readings: metrics/stored.py).

with final as (

    select
        branch,
        station,
        community,
        building,
        count(*) as readings,
        count(*) filter (where unsigned) as unsigned,
        count(*) filter (where exempt) as exempt,
        count(*) filter (where counted) as counted,
        count(*) filter (where compliant) as compliant
    from reading_facts
    group by branch, station, community, building

)

select * from final
