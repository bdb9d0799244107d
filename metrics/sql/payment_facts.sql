-- payment_facts: every receipt up to the cut-off. The household's dimensions are
-- attached by the query layer (roster model).
--   paid_in_period     taken during the period (daily receipts, 日清日结)
--   for_season         for the fee season ($season): the receipts behind the
--                      collection rate by amount

with receipts as (

    select *
    from fee_payments
    where paid_at < $cutoff_at

),

final as (

    select
        p.receipt_no,
        p.household_id,
        p.season,
        p.paid_at,
        p.amount,
        p.method,
        p.collector,
        p.invoice_no,
        -- Blank, a word saying there is none (无, 未开票: settings), or
        -- zeros and dashes alone (0, 00000000, ---), as systems fill a
        -- number not yet issued.
        coalesce(trim(p.invoice_no), '') = ''
            or list_contains($no_invoice_words::varchar[], trim(p.invoice_no))
            or regexp_full_match(trim(p.invoice_no), '[0\-—/]+')
            as missing_invoice,
        p.paid_at >= $start_at as paid_in_period,
        p.season = $season as for_season,
        p.batch_id,
        p.source_row
    from receipts p

)

select * from final
