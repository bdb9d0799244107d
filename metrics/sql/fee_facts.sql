-- fee_facts: every household billed for the fee season ($season) or paying for
-- it, with its amount due and what it paid for that season up to the cut-off,
-- summed from collection_amount's bill and payment rows in one pass.
-- Reversals (negative receipts) count.
--   billed      has a bill for the season (the collection denominators)
--   fully_paid  billed and paid >= due - 0.005 (half a fen of rounding)
--   arrears     due - paid, for billed households not fully paid
-- A payment without a bill still counts as paid for the season (it was
-- collected); its household owes nothing and is not "billed".

with per_household as (

    select
        household_id,
        count(*) filter (where row_kind = 'bill') > 0 as billed,
        sum(due_yuan) as due_yuan,
        sum(paid_yuan) as paid_yuan,
        count(*) filter (where row_kind = 'payment') as receipts,
        max(paid_at) as last_paid_at,
        any_value(branch) as branch,
        any_value(station) as station,
        any_value(community) as community,
        any_value(building) as building,
        any_value(zone) as zone,
        any_value(customer_type) as customer_type,
        any_value(batch_id) filter (where row_kind = 'bill') as batch_id,
        any_value(source_row) filter (where row_kind = 'bill') as source_row
    from collection_amount
    group by household_id

),

final as (

    select
        household_id,
        $season as season,
        branch,
        station,
        community,
        building,
        zone,
        customer_type,
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
