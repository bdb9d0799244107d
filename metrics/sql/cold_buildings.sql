-- cold_buildings: buildings with valid, non-exempt readings below target in the
-- period, most failed readings first (chronically cold buildings). A building is
-- named within its community: "1号楼" exists in many.

with counted as (

    select *
    from reading_facts
    where counted

),

final as (

    select
        branch,
        station,
        community,
        building,
        count(*) as readings_counted,
        count(*) filter (where failed) as readings_failed,
        count(*) filter (where failed) / count(*) as failed_share,
        count(distinct household_id) as households_measured,
        count(distinct household_id) filter (where failed) as households_failed,
        min(indoor_c) as lowest_indoor_c,
        -- an exact decimal mean: the same digits whatever order rows are added in
        cast(round(avg(cast(indoor_c as decimal(9, 2))), 2) as double) as mean_indoor_c
    from counted
    group by branch, station, community, building
    having count(*) filter (where failed) > 0

)

select * from final
