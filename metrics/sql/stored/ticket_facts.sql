-- ticket_facts, stored: the same rows and columns as ../ticket_facts.sql, read
-- from the table metrics/stored.py keeps: each ticket's ticket_facts row
-- computed for all time (deadline, resolution hours, flags, dimensions), less
-- the columns that depend on the period, which are computed here. Kept for
-- all time, followup_due_any / rated_any / no_result_any are the period's
-- followup_due / rated / no_result but for "in the period" / "by the cut-off",
-- which an unresolved ticket never is (so "and" them gives the period's).

with flags as (

    select
        *,
        received_at >= $start_at as received_in_period,
        coalesce(resolved_at < $cutoff_at, false) as resolved_by_cutoff,
        resolved_at >= $start_at and resolved_at < $cutoff_at as resolved_in_period,
        received_at >= $start_at - to_microseconds(
                cast(round($max_resolve_hours * 3600000000) as bigint))
            and coalesce(deadline_at >= $start_at and deadline_at < $cutoff_at, false)
            as deadline_in_period,
        resolved_in_period and followup_due_any as followup_due,
        resolved_in_period and rated_any as rated,
        received_in_period and complaint as complaint_in_period,
        not resolved_by_cutoff as open_at_cutoff,
        coalesce(deadline_at < $cutoff_at, false) and not resolved_by_cutoff as overdue_open,
        resolved_by_cutoff and no_result_any as no_result,
        overdue_open or no_result as unanswered,
        case when not resolved_by_cutoff
             then date_diff('second', received_at, $cutoff_at) / 3600.0 end as open_hours
    from ticket_facts_stored
    where received_at < $cutoff_at

),

final as (

    select
        ticket_no, received_at, category, channel, household_id, anonymous, caller_name,
        phone, description, responsible_station, dispatched_at, arrived_at, resolved_at,
        result, followup_at, satisfaction, deadline_at, batch_id, source_row,
        resolution_hours, received_in_period, resolved_by_cutoff, resolved_in_period,
        deadline_in_period, on_time, followup_due, followed_up, rated, satisfied, complaint,
        complaint_in_period, open_at_cutoff, overdue_open, no_result, unanswered, open_hours,
        branch, station, community, building, zone, customer_type
    from flags

)

select * from final
