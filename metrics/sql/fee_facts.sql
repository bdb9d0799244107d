-- fee_facts: every household billed for the fee season ($season) or paying for
-- it, with its amount due and what it paid for that season up to the cut-off:
-- its receipts summed per household, beside its bill (one per household and
-- season: the bills' key). Reversals (negative receipts) count.
--   billed      has a bill for the season (the collection denominators)
--   fully_paid  billed and paid >= due - 0.005 (half a fen of rounding)
--   arrears     due - paid, for billed households not fully paid
-- A payment without a bill still counts as paid for the season (it was
-- collected); its household owes nothing and is not "billed".
-- The household's dimensions are attached by the query layer (roster model),
-- to one row per household rather than to every bill and receipt.
-- A loaded warehouse reads these rows from its fee ledger instead
-- (stored/fee_facts.sql, which repeats fully_paid and arrears_yuan below: change
-- both; tests/test_metrics_stored.py compares the two ways).

with receipts as (

    select
        household_id,
        sum(amount) as paid_yuan,
        count(*) as receipts,
        max(paid_at) as last_paid_at
    from fee_payments
    where season = $season and paid_at < $cutoff_at
    group by household_id

),

bills as (

    select household_id, amount_due, batch_id, source_row
    from fee_bills
    where season = $season

),

per_household as (

    select
        coalesce(b.household_id, r.household_id) as household_id,
        b.household_id is not null as billed,
        coalesce(b.amount_due, 0.0) as due_yuan,
        coalesce(r.paid_yuan, 0.0) as paid_yuan,
        coalesce(r.receipts, 0) as receipts,
        r.last_paid_at,
        b.batch_id,
        b.source_row
    from bills b
    full join receipts r on r.household_id = b.household_id

),

final as (

    select
        household_id,
        $season as season,
        billed,
        due_yuan,
        paid_yuan,
        receipts,
        last_paid_at,
        billed and paid_yuan >= due_yuan - $fully_paid_tolerance as fully_paid,
        -- Nothing is owed once paid in full, so the arrears list and this sum
        -- agree to the fen.
        case when billed and not fully_paid then due_yuan - paid_yuan else 0.0 end
            as arrears_yuan,
        batch_id,
        source_row
    from per_household

)

select * from final
