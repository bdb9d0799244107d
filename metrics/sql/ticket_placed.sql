-- ticket_placed: ticket_base with each ticket's dimensions (and no period
-- flags: metrics/stored.py keeps these rows for all time).
--   station   the ticket's 责任单位, else its household's station
--   branch    the station's branch (station_branches); a 责任单位 the roster
--             does not list as a station (客服中心, a repair team) takes its
--             household's branch, so every branch sees its households' tickets
--   community, building, zone, customer_type: the ticket's household's
-- An anonymous ticket's texts lose its household's name as the roster has it
-- too (service rules art. 20): "业主任丽反映…" named the caller of a ticket
-- whose 来电人 was blank (ticket_base cuts the caller's own name and phone).

with base as (

    select *
    from ticket_base

),

final as (

    select
        b.* replace (
            case when b.anonymous and length(h.name) >= 2
                 then replace(b.description, h.name, '***') else b.description end
                as description,
            case when b.anonymous and length(h.name) >= 2
                 then replace(b.result, h.name, '***') else b.result end
                as result
        ),
        coalesce(sb.branch, h.branch) as branch,
        coalesce(b.responsible_station, h.station) as station,
        h.community,
        h.building,
        h.zone,
        h.customer_type,
        -- The household's owner as the roster has it (none for an anonymous
        -- ticket): a row's own name, so a viewer who may not see names has it
        -- masked in the ticket's text too (auth.masking), where the caller
        -- is someone else ("业主任丽反映…" under 来电人 李四).
        case when b.anonymous then null else h.name end as owner_name
    from base b
    left join household_dims h using (household_id)
    left join station_branches sb on sb.station = coalesce(b.responsible_station, h.station)

)

select * from final
