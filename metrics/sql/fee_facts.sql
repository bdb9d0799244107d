-- fee_facts: every household billed for the fee season ($season) or paying for
-- it, with its amount due and what it paid for that season up to the cut-off.
-- Reversals (negative receipts) count.
--   billed      has a bill for the season (the collection denominators)
--   fully_paid  billed and paid >= due - 0.005 (half a fen of rounding)
--   arrears     due - paid, for billed households not fully paid
-- A payment without a bill still counts as paid for the season (it was
-- collected); its household owes nothing and is not "billed".
-- The household's dimensions are attached by the query layer (roster model).

with paid as (

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

    select *
    from fee_bills
    where season = $season

),

joined as (

    select
        coalesce(b.household_id, p.household_id) as household_id,
        b.household_id is not null as billed,
        b.heated_area_m2,
        b.unit_price,
        b.exemption,
        b.heating_status,
        coalesce(b.amount_due, 0) as due_yuan,
        coalesce(p.paid_yuan, 0) as paid_yuan,
        coalesce(p.receipts, 0) as receipts,
        p.last_paid_at,
        b.batch_id,
        b.source_row
    from bills b
    full outer join paid p using (household_id)

),

final as (

    select
        j.household_id,
        $season as season,
        j.billed,
        j.heated_area_m2,
        j.unit_price,
        j.exemption,
        j.heating_status,
        j.due_yuan,
        j.paid_yuan,
        j.receipts,
        j.last_paid_at,
        j.billed and j.paid_yuan >= j.due_yuan - $fully_paid_tolerance as fully_paid,
        -- Nothing is owed once paid in full, so the arrears list and this sum
        -- agree to the fen.
        case when j.billed and not fully_paid then j.due_yuan - j.paid_yuan else 0.0 end
            as arrears_yuan,
        j.batch_id,
        j.source_row
    from joined j

)

select * from final
