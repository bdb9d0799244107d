-- heated_households: every roster household heated in the season the period
-- reads ($season, Period.fee_season), with its roster dimensions. The season's
-- bill says whether it was stopped (停热); a household with no bill of that
-- season, or no status on it, as the roster says (bill_checks.sql and
-- reading_checks.sql read a status the same way). So last season's figures
-- count last season's heated homes, not today's.

with season_statuses as (

    select
        household_id,
        bool_or(heating_status = '停热') as season_stopped
    from fee_bills
    where season = $season and heating_status is not null
    group by household_id

),

final as (

    select h.*
    from household_dims h
    left join season_statuses b using (household_id)
    where coalesce(not b.season_stopped, h.heated)

)

select * from final
