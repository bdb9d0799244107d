-- daily_receipts: the daily settlement (日清日结): per day, collector and payment
-- method, the receipts taken in the period, their total, and those lacking an
-- invoice number. Split by branch too, so a branch sees only its own.

with receipts as (

    select *
    from payment_facts
    where paid_in_period

),

final as (

    select
        cast(paid_at as date) as day,
        branch,
        collector,
        method,
        count(*) as receipts,
        round(sum(amount), 2) as amount_yuan,
        count(*) filter (where missing_invoice) as receipts_without_invoice,
        round(coalesce(sum(amount) filter (where missing_invoice), 0), 2)
            as amount_without_invoice_yuan
    from receipts
    group by cast(paid_at as date), branch, collector, method

)

select * from final
