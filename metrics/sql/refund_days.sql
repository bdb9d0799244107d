-- refund_days: the refund exposure of the period (Zibo 2017 rules), one row per
-- non-compliant household-day.
--   non-compliant day  a day of a heating season on which at least one valid,
--                      non-exempt reading of the household was below its target;
--                      days without such a reading are never counted
--   lowest_c           the day's lowest valid, non-exempt reading: it picks the tier
--   share              the tier [min_c, max_c) holding lowest_c (settings); a day
--                      below target but above every tier refunds nothing
--   daily_fee          the household's amount due for that season / season days
--   refund             daily_fee x share; NULL when the household has no bill

with tiers as (

    select
        unnest($tier_min_c) as min_c,
        unnest($tier_max_c) as max_c,
        unnest($tier_share) as share

),

failed_days as (

    select
        any_value(household_id) as household_id,
        cast(measured_at as date) as day,
        min(indoor_c) as lowest_c,
        count(*) as failed_readings,
        any_value(target_c) as target_c,
        any_value(branch) as branch,
        any_value(station) as station,
        any_value(community) as community,
        any_value(building) as building,
        any_value(zone) as zone,
        any_value(customer_type) as customer_type,
        arg_min(batch_id, indoor_c) as batch_id,
        arg_min(source_row, indoor_c) as source_row
    from reading_marks
    -- Only a reading below the highest target of any household can be below
    -- its own: this lets the scan drop the others before targets are looked up.
    where failed
      and indoor_c < (select greatest(max(target_c), $residential_target_c)
                      from household_dims)
    -- household_key: an integer when the readings are stored (reading_marks)
    group by household_key, cast(measured_at as date)

),

in_season as (

    select
        *,
        case
            when day >= make_date(year(day), $season_start_month, $season_start_day)
                then make_date(year(day), $season_start_month, $season_start_day)
            when day <= make_date(year(day), $season_end_month, $season_end_day)
                then make_date(year(day) - 1, $season_start_month, $season_start_day)
        end as season_start
    from failed_days

),

seasons as (

    select
        *,
        cast(year(season_start) as varchar) || '-' || cast(year(season_start) + 1 as varchar)
            as season,
        date_diff('day', season_start,
                  make_date(year(season_start) + 1, $season_end_month, $season_end_day)) + 1
            as season_days
    from in_season
    where season_start is not null

),

final as (

    select
        s.household_id,
        s.day,
        s.season,
        s.branch,
        s.station,
        s.community,
        s.building,
        s.zone,
        s.customer_type,
        s.target_c,
        s.lowest_c,
        s.failed_readings,
        coalesce(t.share, 0.0) as share,
        b.amount_due as season_fee,
        s.season_days,
        b.amount_due / s.season_days as daily_fee,
        b.amount_due / s.season_days * coalesce(t.share, 0.0) as refund_yuan,
        s.batch_id,
        s.source_row
    from seasons s
    left join tiers t on s.lowest_c >= t.min_c and s.lowest_c < t.max_c
    left join fee_bills b on b.household_id = s.household_id and b.season = s.season

)

select * from final
