-- household_readings: every reading of one household ($household_id) in the
-- period with its flags, target and the file and row it was loaded from.

with facts as (

    select *
    from reading_facts
    where household_id = $household_id

),

final as (

    select
        f.household_id,
        f.branch,
        f.station,
        f.community,
        f.building,
        f.zone,
        f.measured_at,
        f.indoor_c,
        f.outdoor_c,
        f.target_c,
        f.valid,
        f.exempt,
        f.counted,
        f.compliant,
        f.inspector,
        f.note,
        b.file_name,
        f.source_row,
        f.batch_id,
        -- not shown: masks the owner's name where a note names them
        h.name as owner_name
    from facts f
    left join batches b on b.batch_id = f.batch_id
    left join households h on h.household_id = f.household_id

)

select * from final
