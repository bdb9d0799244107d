-- cold_risk_points: the valid readings with an outdoor temperature of the
-- households not stopped, the points cold_risk fits its lines to (one
-- building: filter by community and building).

with final as (

    select
        household_id,
        branch,
        station,
        community,
        building,
        zone,
        measured_at,
        indoor_c,
        outdoor_c,
        exempt,
        target_c
    from reading_facts
    where valid and not stopped and outdoor_c is not null and indoor_c is not null

)

select * from final
