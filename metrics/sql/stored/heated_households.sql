-- heated_households, stored: the same rows and columns as
-- ../heated_households.sql, read from the season's rows metrics/stored.py keeps
-- (../season_households.sql); for a season without bills, the roster's heated
-- households (what the rule gives when no bill says otherwise).

with final as (

    select * exclude (season)
    from season_households_stored
    where season = $season

    union all

    select *
    from household_dims
    where heated
      and not exists (select 1 from fee_bills where season = $season)

)

select * from final
