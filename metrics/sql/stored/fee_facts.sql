-- fee_facts, stored: the same rows and columns as ../fee_facts.sql (with the
-- roster's dimensions), read from the fee ledger metrics/stored.py keeps
-- (../fee_ledger.sql): each household's state of account at the cut-off is
-- the one valid just before it, so nothing is summed or joined here.

with at_cutoff as (

    select *
    from fee_ledger_stored
    where season = $season
      and from_at < $cutoff_at
      and (to_at is null or to_at >= $cutoff_at)

),

final as (

    select
        household_id,
        season,
        billed,
        due_yuan,
        paid_yuan,
        receipts,
        last_paid_at,
        billed and paid_yuan >= due_yuan - $fully_paid_tolerance as fully_paid,
        case when billed and not fully_paid then due_yuan - paid_yuan else 0.0 end
            as arrears_yuan,
        batch_id,
        source_row,
        branch,
        station,
        community,
        building,
        zone,
        customer_type
    from at_cutoff

)

select * from final
