-- cold_buildings: buildings with valid, non-exempt readings below target in the
-- period, most failed readings first (chronically cold buildings). A building is
-- named within its community: "1号楼" exists in many. Readings are counted per
-- household first and the roster joined to households, not to every reading
-- (lists: own_dims).

with per_household as (

    select *
    from counted_by_household

),

final as (

    select
        d.branch,
        d.station,
        d.community,
        d.building,
        cast(sum(p.readings_counted) as bigint) as readings_counted,
        cast(sum(p.readings_failed) as bigint) as readings_failed,
        sum(p.readings_failed) / sum(p.readings_counted) as failed_share,
        count(*) as households_measured,
        count(*) filter (where p.readings_failed > 0) as households_failed,
        min(p.lowest_indoor_c) as lowest_indoor_c,
        round(round(sum(p.indoor_sum), 6) / sum(p.readings_counted), 2)
            as mean_indoor_c
    from per_household p
    left join household_dims d using (household_id)
    group by d.branch, d.station, d.community, d.building
    having sum(p.readings_failed) > 0

)

select * from final
