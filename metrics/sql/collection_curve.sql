-- collection_curve: the collection rate by amount day by day through the fee
-- season ($season), up to the cut-off: receipts for the season taken up to the
-- end of each day (reversals negative, households without a bill included, as
-- the KPI counts them) ÷ the season's amount due. Every day from the first receipt
-- (or the season's first day, if earlier) to the cut-off day has a row.
--   season_day  days since the season's first day (prepayments: negative), so two
--               seasons line up day by day as the comparison periods do

with due as (

    select round(coalesce(sum(due_yuan), 0), 6) as due_yuan
    from fee_facts

),

first_day as (

    select make_date(cast(left($season, 4) as integer), $season_start_month,
                     $season_start_day) as day0

),

daily as (

    select
        cast(paid_at as date) as day,
        sum(amount) as paid_yuan,
        count(*) as receipts
    from payment_facts
    where for_season
    group by cast(paid_at as date)

),

days as (

    select cast(unnest(generate_series(
               least(coalesce((select min(day) from daily), f.day0), f.day0),
               cast($cutoff_at - interval 1 microsecond as date),
               interval 1 day)) as date) as day
    from first_day f

),

final as (

    select
        d.day,
        date_diff('day', f.day0, d.day) as season_day,
        round(coalesce(p.paid_yuan, 0), 6) as paid_yuan,
        coalesce(p.receipts, 0) as receipts,
        round(sum(coalesce(p.paid_yuan, 0)) over (order by d.day), 6) as paid_cum_yuan,
        u.due_yuan,
        case when u.due_yuan <> 0
             then round(sum(coalesce(p.paid_yuan, 0)) over (order by d.day), 6) / u.due_yuan
        end as rate
    from days d
    cross join first_day f
    cross join due u
    left join daily p using (day)

)

select * from final
