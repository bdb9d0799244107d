-- payments_without_bill: receipts for the fee season ($season) taken by the
-- cut-off from households with no bill for that season. The collection rate by
-- amount counts them as paid with nothing due beside them: a bill missing from
-- the ledger, or a payment booked to the wrong household. Only once the season
-- has bills at all (as unbilled_households).

with final as (

    select
        p.receipt_no,
        p.paid_at,
        p.household_id,
        p.season,
        p.amount,
        p.method,
        p.collector,
        p.branch,
        p.station,
        p.community,
        p.building,
        p.zone,
        p.customer_type,
        bt.file_name,
        p.source_row
    from payment_facts p
    left join season_billed b using (household_id)
    left join batches bt on bt.batch_id = p.batch_id
    where p.for_season and b.household_id is null
      and exists (select 1 from season_billed)

)

select * from final
