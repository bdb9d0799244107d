-- arrears: every bill of the fee season ($season) or an earlier one still not
-- paid in full at the cut-off (paid < due - 0.005), with its age.
--   age_days        days from the start of the bill's season to the cut-off day
--   seasons_behind  0 for the fee season, 1 for the one before, ...
--   in_fee_season   the bill is the fee season's: these sum to fee_arrears_amount

with bills as (

    select *
    from fee_bills
    where season <= $season

),

paid as (

    select
        household_id,
        season,
        sum(amount) as paid_yuan,
        max(paid_at) as last_paid_at
    from fee_payments
    where paid_at < $cutoff_at
    group by household_id, season

),

owed as (

    select
        b.household_id,
        b.season,
        b.amount_due as due_yuan,
        coalesce(p.paid_yuan, 0) as paid_yuan,
        b.amount_due - coalesce(p.paid_yuan, 0) as arrears_yuan,
        p.last_paid_at,
        make_date(cast(left(b.season, 4) as integer), $season_start_month, $season_start_day)
            as season_start,
        b.batch_id,
        b.source_row
    from bills b
    left join paid p using (household_id, season)
    where coalesce(p.paid_yuan, 0) < b.amount_due - $fully_paid_tolerance

),

final as (

    select
        o.household_id,
        h.branch,
        h.station,
        h.community,
        h.building,
        h.unit,
        h.room,
        h.zone,
        h.customer_type,
        h.name,
        h.phone,
        h.address,
        o.season,
        o.due_yuan,
        round(o.paid_yuan, 2) as paid_yuan,
        round(o.arrears_yuan, 2) as arrears_yuan,
        o.last_paid_at,
        greatest(date_diff('day', o.season_start, cast($cutoff_at - interval 1 microsecond as date)), 0) as age_days,
        cast(left($season, 4) as integer) - cast(left(o.season, 4) as integer)
            as seasons_behind,
        o.season = $season as in_fee_season,
        bt.file_name,
        o.source_row
    from owed o
    left join household_dims h using (household_id)
    left join batches bt on bt.batch_id = o.batch_id

)

select * from final
