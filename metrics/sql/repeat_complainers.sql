-- repeat_complainers: households with at least $repeat_complaint_count complaints
-- (投诉/举报) within $repeat_complaint_window_days days, the latest of them received
-- in the period. Earlier complaints before the period count toward the window.
-- An anonymous complaint has no household here: it makes nobody a repeat
-- complainer, and no list ties it to a home (service rules art. 20).
-- Every complaint of the household counts, whichever station the hotline made
-- responsible for it and whatever the request's branch scope or filters
-- (ticket_base carries no branch or household dimension, so neither filters
-- it; the list takes no category or channel filter): a household is one
-- branch's customer, and the branches' lists add up to the company's. A row
-- carries the household's dimensions from the roster (the list's filters and
-- scope apply to them); a household not in the roster, the station responsible
-- for its latest complaint and that station's branch, the same for every
-- viewer, so it is in one branch's list only.

with complaints as (

    select ticket_no, household_id, received_at, caller_name, phone, responsible_station
    from ticket_base
    where complaint and not anonymous and household_id is not null
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
        max(complaints_in_window) filter (where received_at >= $start_at)
            as complaints_in_window,
        count(*) filter (where received_at >= $start_at) as complaints_in_period,
        count(*) as complaints_recent,
        min(received_at) as first_received_at,
        max(received_at) as last_received_at,
        string_agg(ticket_no, ', ' order by received_at) as ticket_nos,
        arg_max(caller_name, received_at) as caller_name,
        arg_max(phone, received_at) as phone,
        arg_max(responsible_station, received_at) as latest_station
    from recent
    group by household_id

),

final as (

    select
        p.household_id,
        case when h.household_id is null then sb.branch else h.branch end as branch,
        case when h.household_id is null then p.latest_station else h.station end as station,
        h.community,
        h.building,
        h.unit,
        h.room,
        h.zone,
        h.customer_type,
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
    left join station_branches sb on sb.station = p.latest_station
    where p.complaints_in_window >= $repeat_complaint_count

)

select * from final
