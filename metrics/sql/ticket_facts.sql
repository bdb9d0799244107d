-- ticket_facts: ticket_placed (each ticket received before the cut-off, with
-- its deadline and dimensions) and the flags that depend on the period. The
-- same SQL runs over the rows metrics/stored.py keeps for all time
-- (sql/stored/ticket_placed.sql), so a stored ticket query plans only these.

with placed as (

    select *
    from ticket_placed

),

final as (

    select
        * exclude (followup_category, rating_word, blank_result, household_id),
        -- An anonymous complaint is tied to no household in any list or row
        -- (service rules art. 20): its household would name the caller. The
        -- dimensions (station, community, building) stay, for the counts.
        case when anonymous then null else household_id end as household_id,
        -- Between the two markers, one column per item: a query that names
        -- none of a column's uses is planned without it (compose.prune_flags).
        /* flags */
        received_at >= $start_at as received_in_period,
        coalesce(resolved_at < $cutoff_at, false) as resolved_by_cutoff,
        -- Plain comparisons (NULL for an open ticket, which no count takes):
        -- a population the scan can narrow by the tables' min/max per block.
        resolved_at >= $start_at and resolved_at < $cutoff_at as resolved_in_period,
        -- A deadline in the period needs a receipt at most the longest time
        -- limit earlier: said outright, the scan skips older blocks.
        received_at >= $start_at - to_microseconds(
                cast(round($max_resolve_hours * 3600000000) as bigint))
            and coalesce(deadline_at >= $start_at and deadline_at < $cutoff_at, false)
            as deadline_in_period,
        resolved_in_period and followup_category as followup_due,
        -- A follow-up recorded (回访率), in time (回访及时率): for a period over,
        -- whenever it was recorded; for one not over yet, by its cut-off
        -- ($recorded_by), so that its comparisons, cut at the same point of
        -- their days, count only what had been recorded by then too.
        coalesce(followup_at < $recorded_by, false) as followup_recorded,
        followed_up_on_time and followup_recorded as followup_recorded_on_time,
        -- A rating counts only on a follow-up recorded (满意率 is among follow-ups),
        -- of any category (DESIGN: follow-ups with a rating); the follow-up
        -- funnel (ticket_followup_funnel.sql) reads the follow-up categories only.
        resolved_in_period and followup_recorded and rating_word as rated,
        received_in_period and complaint as complaint_in_period,
        -- As deadline_in_period: a ticket is judged in the period its arrival
        -- limit falls in, once the limit has run out (a 抢修 received at 23:00 on
        -- the last day, its limit 01:00, is judged next period, not late now).
        coalesce(arrive_by >= $start_at and arrive_by < $cutoff_at, false) as arrival_due,
        not resolved_by_cutoff as open_at_cutoff,
        coalesce(deadline_at < $cutoff_at, false) and not resolved_by_cutoff as overdue_open,
        resolved_by_cutoff and blank_result as no_result,
        overdue_open or no_result as unanswered,
        -- Received before the season the period reads began (the day after the
        -- previous season's last heating day: the summer is the coming
        -- season's, as coverage.season_of counts it): carried over.
        received_at < $season_opens_at as before_season,
        case when not resolved_by_cutoff
             then date_diff('microsecond', received_at, $cutoff_at) / 3600000000.0
             end as open_hours
        /* end flags */
    from placed

)

select * from final
