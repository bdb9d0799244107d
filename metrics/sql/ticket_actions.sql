-- ticket_actions: tickets that need action at the cut-off, each with why:
--   open_at_cutoff  not resolved by the cut-off (the open backlog, with its age)
--   overdue_open    open and past its deadline
--   no_result       resolved with no result recorded
--   unanswered      overdue_open or no_result (漏件)
--   carried_over    received before the season the period reads (往季遗留)
-- Anonymous callers' name and phone are already NULL in ticket_facts.

with actionable as (

    select *
    from ticket_facts
    where open_at_cutoff or unanswered

),

final as (

    select
        t.ticket_no,
        t.received_at,
        t.category,
        t.channel,
        t.household_id,
        t.anonymous,
        t.caller_name,
        t.phone,
        t.owner_name,
        t.description,
        t.branch,
        t.station,
        t.community,
        t.building,
        t.zone,
        t.customer_type,
        t.dispatched_at,
        t.arrived_at,
        t.deadline_at,
        t.resolved_at,
        t.result,
        case when t.overdue_open then 'overdue_open'
             when t.no_result then 'no_result' end as reason,
        t.open_at_cutoff,
        t.overdue_open,
        t.no_result,
        t.unanswered,
        t.before_season as carried_over,
        t.open_hours as age_hours,
        case when t.overdue_open
             then date_diff('microsecond', t.deadline_at, $cutoff_at) / 3600000000.0
             end as hours_overdue,
        b.file_name,
        t.source_row
    from actionable t
    left join batches b on b.batch_id = t.batch_id

)

select * from final
