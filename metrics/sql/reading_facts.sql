-- reading_facts: reading_flags with each reading's target and whether it met it.
--   target_c   18 °C for residential homes, else the contract (household_dims)
--   compliant  counted and indoor >= target; failed: counted and below target

with flags as (

    select *
    from reading_flags

),

final as (

    select
        f.*,
        coalesce(t.own_target_c, $residential_target_c) as target_c,
        f.counted and f.indoor_c >= target_c as compliant,
        f.counted and f.indoor_c < target_c as failed
    from flags f
    left join household_targets t using (household_id)

)

select * from final
