-- heated_households: every roster household heated in the season the period
-- reads ($season, Period.fee_season), with its roster dimensions. The season's
-- bill says whether it was stopped (停热); a household with no bill of that
-- season, or no status on it, as the roster says (bill_checks.sql and
-- reading_checks.sql read a status the same way). So last season's figures
-- count last season's heated homes, not today's.
-- Written as an anti-join with the season's few 停热 bills and a semi-join of
-- the few households stopped in the roster with the season's other bills, not
-- as a join of every bill with every household: ~17 ms, not ~28, on 250,000 of
-- each (a pass over 250,000 household IDs costs ~7 ms).

with season_stops as (

    select household_id
    from fee_bills
    where season = $season and heating_status = '停热' and household_id is not null

),

season_heats as (

    select household_id
    from fee_bills
    where season = $season and heating_status <> '停热' and household_id is not null

),

final as (

    -- heated in the roster, and not stopped by the season's bill
    select h.*
    from household_dims h
    where h.heated
      and not exists (select 1 from season_stops s where s.household_id = h.household_id)

    union all

    -- stopped in the roster, and resumed by the season's bill
    select h.*
    from household_dims h
    where not h.heated
      and exists (select 1 from season_heats s where s.household_id = h.household_id)
      and not exists (select 1 from season_stops s where s.household_id = h.household_id)

)

select * from final
