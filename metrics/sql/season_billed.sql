-- season_billed: the households with a bill for the fee season ($season): the
-- side of 应征不漏 both checks compare with (unbilled_households: heated and
-- not here; payments_without_bill: paid and not here).

with final as (

    select distinct household_id
    from fee_bills
    where season = $season

)

select * from final
