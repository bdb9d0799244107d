-- station_branches: the branch each station belongs to, read from the roster.
-- Tickets name only their station (责任单位); this gives them a branch. A station
-- the roster lists under two branches goes to the one most of its households
-- are in (ties: the first name in sort order), so each station has one branch.

with station_households as (

    select station, branch, count(*) as households
    from households
    where station is not null and branch is not null
    group by station, branch

),

final as (

    select station, first(branch order by households desc, branch) as branch
    from station_households
    group by station

)

select * from final
