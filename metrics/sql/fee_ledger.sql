-- fee_ledger: every household's fee account for each season, as a series of
-- states, each valid from one time until the next: the first from the bill
-- (or, without a bill, from the first receipt), then one more at each time
-- receipts were paid, with what was paid for the season up to and including
-- that time. fee_facts for a cut-off is then the state each household was in
-- just before it: the row whose [from_at, to_at) holds the cut-off, a filter
-- instead of summing the receipts and joining them to the bills for every
-- query. Stored by metrics/stored.py (sql/stored/fee_facts.sql reads it), with
-- the household's roster dimensions beside it.
--   from_at       the state's start: 0001-01-01 for the bill, else a payment time
--   to_at         the next state's start (NULL: still the state today)
--   paid_yuan     receipts of the season paid before to_at (reversals count)
--   receipts      how many
--   last_paid_at  the latest of them (NULL before the first)
-- Receipts without a payment time are in no state (fee_facts counts a receipt
-- paid before the cut-off).

with bills as (

    select season, household_id, amount_due, batch_id, source_row
    from fee_bills

),

paid as (

    -- receipts paid at the same time are one step
    select season, household_id, paid_at, sum(amount) as amount, count(*) as receipts
    from fee_payments
    where paid_at is not null
    group by season, household_id, paid_at

),

steps as (

    select season, household_id, timestamp '0001-01-01' as from_at,
        0.0 as amount, 0 as receipts, false as paid
    from bills

    union all

    select season, household_id, paid_at as from_at, amount, receipts, true as paid
    from paid

),

states as (

    select
        s.season,
        s.household_id,
        b.household_id is not null as billed,
        coalesce(b.amount_due, 0.0) as due_yuan,
        s.from_at,
        lead(s.from_at) over account as to_at,
        sum(s.amount) over account as paid_yuan,
        cast(sum(s.receipts) over account as bigint) as receipts,
        case when s.paid then s.from_at end as last_paid_at,
        b.batch_id,
        b.source_row
    from steps s
    left join bills b on b.season = s.season and b.household_id = s.household_id
    window account as (partition by s.season, s.household_id order by s.from_at
                       rows between unbounded preceding and current row)

),

final as (

    select
        s.*,
        d.branch,
        d.station,
        d.community,
        d.building,
        d.zone,
        d.customer_type
    from states s
    left join household_dims d on d.household_id = s.household_id

)

select * from final
