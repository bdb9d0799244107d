-- refund_by_station: the refund exposure of the period summed per station.

with final as (

    select
        branch,
        station,
        count(distinct household_id) as households,
        count(*) as noncompliant_days,
        count(*) filter (where share > 0) as refunded_days,
        round(coalesce(sum(refund_yuan), 0), 2) as refund_yuan,
        count(distinct household_id) filter (where season_fee is null) as households_without_bill
    from refund_days
    group by branch, station

)

select * from final
