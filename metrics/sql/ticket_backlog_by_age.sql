-- ticket_backlog_by_age: the open backlog at the cut-off (tickets received by then
-- and not resolved) in age bands, per category. Age: calendar hours from receipt
-- to the cut-off. $age_band_hours holds each band's lower edge, ascending, from 0;
-- the last band has no upper edge.
--   overdue  of them, past their deadline (they are also unanswered items, 漏件)

with edges as (

    select
        unnest($age_band_hours) as lower_hours,
        generate_subscripts($age_band_hours, 1) as band

),

bands as (

    select band, lower_hours, lead(lower_hours) over (order by band) as upper_hours
    from edges

),

open_tickets as (

    select category, open_hours, overdue_open
    from ticket_facts
    where open_at_cutoff

),

final as (

    select
        b.band,
        b.lower_hours,
        b.upper_hours,
        o.category,
        count(*) as tickets,
        count(*) filter (where o.overdue_open) as overdue
    from open_tickets o
    join bands b
      on o.open_hours >= b.lower_hours
     and (b.upper_hours is null or o.open_hours < b.upper_hours)
    group by b.band, b.lower_hours, b.upper_hours, o.category

)

select * from final
