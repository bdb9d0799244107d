-- repeat_complaint_tickets: every complaint (投诉/举报) of each repeat complainer
-- (repeat_complainers), ticket by ticket: those received from the start of the
-- window before the period up to the cut-off, the ones repeat_complainers counts
-- as complaints_recent.
-- Anonymous complaints have no household (ticket_facts): none is listed here.

with repeaters as (

    select household_id, complaints_in_window
    from repeat_complainers

),

complaints as (

    select *
    from ticket_facts
    where complaint
      and household_id is not null
      and received_at >= $start_at - to_days(cast($repeat_complaint_window_days as integer))

),

final as (

    select
        c.household_id,
        c.ticket_no,
        c.received_at,
        c.category,
        c.channel,
        c.caller_name,
        c.phone,
        c.description,
        c.branch,
        c.station,
        c.community,
        c.building,
        h.unit,
        h.room,
        h.address,
        c.zone,
        c.customer_type,
        c.resolved_at,
        c.result,
        c.satisfaction,
        r.complaints_in_window,
        b.file_name,
        c.source_row
    from complaints c
    join repeaters r using (household_id)
    left join household_dims h using (household_id)
    left join batches b on b.batch_id = c.batch_id

)

select * from final
