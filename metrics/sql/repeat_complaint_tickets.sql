-- repeat_complaint_tickets: every complaint (投诉/举报) of each repeat complainer
-- (repeat_complainers), ticket by ticket: those received from the start of the
-- window before the period up to the cut-off, the ones repeat_complainers counts
-- as complaints_recent, whichever station was responsible (responsible_station).
-- Each row carries its household's dimensions, as the list's row does, so the
-- request's filters and scope keep or drop a household with all its complaints.
-- Anonymous complaints have no household: none is listed here.

with repeaters as (

    select household_id, complaints_in_window, branch, station, community, building,
        unit, room, address, zone, customer_type
    from repeat_complainers

),

complaints as (

    select *
    from ticket_base
    where complaint
      and not anonymous
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
        -- the household's owner from the roster: masked in the texts as a name
        -- for a viewer who may not see names (auth.masking), as the caller is
        h.name as owner_name,
        c.description,
        r.branch,
        r.station,
        r.community,
        r.building,
        r.unit,
        r.room,
        r.address,
        r.zone,
        r.customer_type,
        c.responsible_station,
        c.resolved_at,
        c.result,
        c.satisfaction,
        r.complaints_in_window,
        b.file_name,
        c.source_row
    from complaints c
    join repeaters r using (household_id)
    left join household_dims h on h.household_id = c.household_id
    left join batches b on b.batch_id = c.batch_id

)

select * from final
