-- refund_by_household: the refund exposure of the period per household
-- (refund_days summed), with the household's contact details.

with per_household as (

    select
        household_id,
        any_value(branch) as branch,
        any_value(station) as station,
        any_value(community) as community,
        any_value(building) as building,
        any_value(zone) as zone,
        any_value(customer_type) as customer_type,
        any_value(target_c) as target_c,
        count(*) as noncompliant_days,
        count(*) filter (where share > 0) as refunded_days,
        min(lowest_c) as lowest_c,
        round(sum(refund_yuan), 2) as refund_yuan,
        bool_or(season_fee is null) as missing_bill
    from refund_days
    group by household_id

),

final as (

    select
        p.household_id,
        p.branch,
        p.station,
        p.community,
        p.building,
        h.unit,
        h.room,
        p.zone,
        p.customer_type,
        h.name,
        h.phone,
        h.address,
        p.target_c,
        p.noncompliant_days,
        p.refunded_days,
        p.lowest_c,
        p.refund_yuan,
        p.missing_bill
    from per_household p
    left join household_dims h using (household_id)

)

select * from final
