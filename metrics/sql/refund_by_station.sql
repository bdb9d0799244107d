-- refund_by_station: the refund exposure of the period summed per station;
-- none (NULL, not 0.00) where no household with a non-compliant day has a
-- bill to price it by, as the KPI (refund_exposure_amount).

with final as (

    select
        branch,
        station,
        count(distinct household_id) as households,
        count(*) as noncompliant_days,
        count(*) filter (where share > 0) as refunded_days,
        round(sum(refund_yuan), 2) as refund_yuan,
        count(distinct household_id) filter (where season_fee is null) as households_without_bill
    from refund_days
    group by branch, station

)

select * from final
