-- largest_debtors: each household in the arrears list (arrears) with what it owes
-- over every season there: the seasons, amount due, paid and owed, the oldest
-- bill's age and the last payment. A household's dimensions are its own, so the
-- request's filters can be applied to these rows.

with owed as (

    select *
    from arrears

),

final as (

    select
        household_id,
        any_value(branch) as branch,
        any_value(station) as station,
        any_value(community) as community,
        any_value(building) as building,
        any_value(unit) as unit,
        any_value(room) as room,
        any_value(zone) as zone,
        any_value(customer_type) as customer_type,
        any_value(name) as name,
        any_value(phone) as phone,
        any_value(address) as address,
        string_agg(season, '、' order by season) as seasons,
        count(*) as bills,
        round(sum(due_yuan), 2) as due_yuan,
        round(sum(paid_yuan), 2) as paid_yuan,
        round(sum(arrears_yuan), 2) as arrears_yuan,
        max(age_days) as age_days,
        max(last_paid_at) as last_paid_at
    from owed
    group by household_id

)

select * from final
