-- receipts_without_invoice: each receipt taken in the period with no invoice number.

with missing as (

    select *
    from payment_facts
    where paid_in_period and missing_invoice

),

final as (

    select
        m.receipt_no,
        m.paid_at,
        m.household_id,
        m.season,
        m.amount,
        m.method,
        m.collector,
        m.branch,
        m.station,
        m.community,
        m.building,
        m.zone,
        m.customer_type,
        bt.file_name,
        m.source_row
    from missing m
    left join batches bt on bt.batch_id = m.batch_id

)

select * from final
