-- ticket_resolution_by_category: per category, the tickets resolved in the period
-- and their calendar hours from receipt to resolution (P10, quartiles, P90; linear
-- interpolation like the median and P90 KPIs) against the category's time limit
-- (settings [tickets.limits], resolve_hours).
--   within_limit  resolved by the deadline (received + limit), as on-time closure counts it
-- And the ticket's other times (DESIGN 2.2), medians over the same tickets that
-- have both ends recorded: received -> dispatched (派单), received -> arrived on
-- site (上门), resolved -> follow-up call (回访).

with limits as (

    select
        unnest($limit_categories) as category,
        unnest($limit_resolve_hours) as limit_hours

),

resolved as (

    select
        category,
        resolution_hours,
        on_time,
        date_diff('microsecond', received_at, dispatched_at) / 3600000000.0 as dispatch_hours,
        date_diff('microsecond', received_at, arrived_at) / 3600000000.0 as arrive_hours,
        date_diff('microsecond', resolved_at, followup_at) / 3600000000.0 as followup_hours
    from ticket_facts
    where resolved_in_period

),

per_category as (

    select
        category,
        count(*) as resolved,
        quantile_cont(resolution_hours, 0.1) as p10_hours,
        quantile_cont(resolution_hours, 0.25) as q1_hours,
        quantile_cont(resolution_hours, 0.5) as median_hours,
        quantile_cont(resolution_hours, 0.75) as q3_hours,
        quantile_cont(resolution_hours, 0.9) as p90_hours,
        max(resolution_hours) as max_hours,
        count(*) filter (where on_time) as within_limit,
        quantile_cont(dispatch_hours, 0.5) as median_dispatch_hours,
        quantile_cont(arrive_hours, 0.5) as median_arrive_hours,
        quantile_cont(followup_hours, 0.5) as median_followup_hours
    from resolved
    group by category

),

final as (

    select
        p.category,
        p.resolved,
        p.p10_hours,
        p.q1_hours,
        p.median_hours,
        p.q3_hours,
        p.p90_hours,
        p.max_hours,
        l.limit_hours,
        p.within_limit,
        p.within_limit / p.resolved as within_limit_share,
        p.median_dispatch_hours,
        p.median_arrive_hours,
        p.median_followup_hours
    from per_category p
    left join limits l using (category)

)

select * from final
