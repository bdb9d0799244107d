-- ticket_base: every ticket received before the cut-off, with its deadline and
-- the flags the ticket KPIs count, and nothing looked up elsewhere (ticket_facts
-- adds the dimensions when a request needs them). Times are calendar hours
-- (heating is a 24-hour service).
--   deadline  received + resolve_hours of the category (settings); 咨询 is 0 h
-- Anonymous tickets never carry the caller's name or phone (service rules art. 20).

with limits as (

    select
        unnest($limit_categories) as category,
        unnest($limit_resolve_hours) as resolve_hours

),

received_by_cutoff as (

    select *
    from tickets
    where received_at < $cutoff_at

),

with_deadline as (

    select
        t.ticket_no,
        t.received_at,
        t.category,
        t.channel,
        t.household_id,
        coalesce(t.anonymous, false) as anonymous,
        case when coalesce(t.anonymous, false) then null else t.caller_name end as caller_name,
        case when coalesce(t.anonymous, false) then null else t.phone end as phone,
        t.description,
        t.station as responsible_station,
        t.dispatched_at,
        t.arrived_at,
        t.resolved_at,
        t.result,
        t.followup_at,
        t.satisfaction,
        t.received_at + to_microseconds(cast(round(l.resolve_hours * 3600000000) as bigint))
            as deadline_at,
        t.batch_id,
        t.source_row
    from received_by_cutoff t
    left join limits l using (category)

),

final as (

    select
        *,
        date_diff('second', received_at, resolved_at) / 3600.0 as resolution_hours,
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
        -- Resolved at the deadline itself is on time.
        coalesce(resolved_at <= deadline_at, false) as on_time,
        resolved_in_period
            and coalesce(list_contains($followup_categories::varchar[], category), false)
            as followup_due,
        followup_at is not null as followed_up,
        resolved_in_period
            and coalesce(list_contains($rating_words::varchar[], satisfaction), false) as rated,
        coalesce(list_contains($satisfied_words::varchar[], satisfaction), false) as satisfied,
        coalesce(list_contains($complaint_categories::varchar[], category), false) as complaint,
        received_in_period and complaint as complaint_in_period,
        not resolved_by_cutoff as open_at_cutoff,
        coalesce(deadline_at < $cutoff_at, false) and not resolved_by_cutoff as overdue_open,
        resolved_by_cutoff and coalesce(trim(result), '') = '' as no_result,
        overdue_open or no_result as unanswered,
        case when not resolved_by_cutoff
             then date_diff('second', received_at, $cutoff_at) / 3600.0 end as open_hours
    from with_deadline

)

select * from final
