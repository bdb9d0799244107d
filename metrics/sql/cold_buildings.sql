-- cold_buildings: buildings with valid, non-exempt readings below target in the
-- period, most failed readings first (chronically cold buildings). A building is
-- named within its community: "1号楼" exists in many. Summed from its zones
-- (zone_readings): a household lives in one zone, so households add up too.

with zones as (

    select *
    from zone_readings

),

final as (

    select
        branch,
        station,
        community,
        building,
        cast(sum(readings_counted) as bigint) as readings_counted,
        cast(sum(readings_failed) as bigint) as readings_failed,
        sum(readings_failed) / sum(readings_counted) as failed_share,
        cast(sum(households_measured) as bigint) as households_measured,
        cast(sum(households_failed) as bigint) as households_failed,
        min(lowest_indoor_c) as lowest_indoor_c,
        round(round(sum(indoor_sum), 6) / sum(readings_counted), 2) as mean_indoor_c
    from zones
    group by branch, station, community, building
    having sum(readings_failed) > 0

)

select * from final
