-- ticket_placed: ticket_base with each ticket's dimensions (and no period
-- flags: metrics/stored.py keeps these rows for all time).
--   station   the ticket's 责任单位, else its household's station
--   branch    the station's branch (station_branches); a 责任单位 the roster
--             does not list as a station (客服中心, a repair team) takes its
--             household's branch, so every branch sees its households' tickets
--   community, building, zone, customer_type: the ticket's household's

with base as (

    select *
    from ticket_base

),

final as (

    select
        b.*,
        coalesce(sb.branch, h.branch) as branch,
        coalesce(b.responsible_station, h.station) as station,
        h.community,
        h.building,
        h.zone,
        h.customer_type
    from base b
    left join household_dims h using (household_id)
    left join station_branches sb on sb.station = coalesce(b.responsible_station, h.station)

)

select * from final
