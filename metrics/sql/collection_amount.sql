-- collection_amount: the two sides of the collection rate by amount in one
-- relation, so a slice sums both the same way without matching payments to bills:
--   payment rows  every receipt for the fee season ($season) taken by the cut-off
--                 (reversals negative; also from households without a bill)
--   bill rows     every bill of the season, its amount due
-- The household's dimensions are attached by the query layer (roster model).

with paid as (

    select
        household_id,
        'payment' as row_kind,
        receipt_no as row_key,
        amount as paid_yuan,
        0.0 as due_yuan,
        paid_at,
        batch_id,
        source_row
    from fee_payments
    where season = $season and paid_at < $cutoff_at

),

due as (

    select
        household_id,
        'bill' as row_kind,
        household_id as row_key,
        0.0 as paid_yuan,
        amount_due as due_yuan,
        cast(null as timestamp) as paid_at,
        batch_id,
        source_row
    from fee_bills
    where season = $season

),

final as (

    select * from paid
    union all
    select * from due

)

select * from final
