-- repeat_complainers: households with at least $repeat_complaint_count complaints
-- (投诉/举报) within $repeat_complaint_window_days days, the latest of them received
-- in the period. Earlier complaints before the period count toward the window.
-- An anonymous complaint has no household here (ticket_facts): it makes nobody a
-- repeat complainer, and no list ties it to a home (service rules art. 20).

with complaints as (

    select *
    from ticket_facts
    where complaint and household_id is not null
      -- the windows below reach back one window from the recent complaints,
      -- which start one window before the period: nothing older counts
      and received_at >= $start_at - 2 * to_days(cast($repeat_complaint_window_days as integer))

),

windowed as (

    select
        *,
        count(*) over (
            partition by household_id order by received_at
            range between to_days(cast($repeat_complaint_window_days as integer)) preceding
                      and current row
        ) as complaints_in_window
    from complaints

),

recent as (

    select *
    from windowed
    where received_at >= $start_at - to_days(cast($repeat_complaint_window_days as integer))

),

per_household as (

    select
        household_id,
        arg_max(branch, received_at) as branch,
        arg_max(station, received_at) as station,
        arg_max(community, received_at) as community,
        arg_max(building, received_at) as building,
        arg_max(zone, received_at) as zone,
        arg_max(customer_type, received_at) as customer_type,
        max(complaints_in_window) filter (where received_in_period) as complaints_in_window,
        count(*) filter (where received_in_period) as complaints_in_period,
        count(*) as complaints_recent,
        min(received_at) as first_received_at,
        max(received_at) as last_received_at,
        string_agg(ticket_no, ', ' order by received_at) as ticket_nos,
        arg_max(caller_name, received_at) as caller_name,
        arg_max(phone, received_at) as phone
    from recent
    group by household_id

),

final as (

    select
        p.household_id,
        p.branch,
        p.station,
        p.community,
        p.building,
        h.unit,
        h.room,
        p.zone,
        p.customer_type,
        p.caller_name,
        p.phone,
        h.address,
        p.complaints_in_window,
        p.complaints_in_period,
        p.complaints_recent,
        p.first_received_at,
        p.last_received_at,
        p.ticket_nos
    from per_household p
    left join household_dims h using (household_id)
    where p.complaints_in_window >= $repeat_complaint_count

)

select * from final
