-- season_households: heated_households (../heated_households.sql) for every
-- season that has bills at once, each row with its `season`: the roster
-- household heated that season by the same rule (the season's bill says
-- 停热 or not; without a bill, or a status on it, the roster says). Stored by
-- metrics/stored.py, so a query reads one season's rows instead of joining the
-- roster with the season's bills (sql/stored/heated_households.sql).

with seasons as (

    select distinct season
    from fee_bills
    where season is not null

),

stops as (

    select season, household_id
    from fee_bills
    where heating_status = '停热' and household_id is not null

),

heats as (

    select season, household_id
    from fee_bills
    where heating_status <> '停热' and household_id is not null

),

final as (

    select s.season, h.*
    from seasons s
    cross join household_dims h
    where (h.heated or exists (select 1 from heats b
                               where b.season = s.season and b.household_id = h.household_id))
      and not exists (select 1 from stops b
                      where b.season = s.season and b.household_id = h.household_id)

)

select * from final
