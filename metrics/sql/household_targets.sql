-- household_targets: the households whose room-temperature target is not the
-- residential one (non-residential and bungalow contracts). Every other
-- household, and a reading of a household missing from the roster, has the
-- residential target; so a reading is looked up in this short list only.

with final as (

    select household_id, target_c as own_target_c
    from household_dims
    where target_c <> $residential_target_c

)

select * from final
