-- noncompliant_households: households whose latest valid, non-exempt reading in
-- the period was below their target (the complement of the household compliance
-- rate's numerator), each with its readings of the period. The latest reading
-- is the one reading_marks marks last_counted; the history is grouped by
-- household_key (an integer when the readings are stored).

with counted as (

    select *
    from reading_marks
    where counted

),

latest_failed as materialized (

    select *
    from counted
    where last_counted and failed

),

history as (

    select
        household_key,
        count(*) as readings_counted,
        count(*) filter (where failed) as readings_failed,
        min(indoor_c) as lowest_indoor_c,
        -- in time order (a struct sorts by its first field); formatted after
        -- sorting, which costs less than an ordered string_agg
        array_to_string(list_transform(
            list_sort(list({'at': measured_at, 'c': indoor_c, 'failed': failed})),
            lambda r: strftime(r.at, '%m-%d %H:%M') || ' ' || cast(r.c as varchar) || '℃'
                      || case when r.failed then '✗' else '' end), '; ') as readings
    from counted
    where household_key in (select household_key from latest_failed)
    group by household_key

),

final as (

    select
        l.household_id,
        l.branch,
        l.station,
        l.community,
        l.building,
        h.unit,
        h.room,
        l.zone,
        l.customer_type,
        h.name,
        h.phone,
        h.address,
        l.target_c,
        l.measured_at as latest_measured_at,
        l.indoor_c as latest_indoor_c,
        hi.readings_counted,
        hi.readings_failed,
        hi.lowest_indoor_c,
        hi.readings
    from latest_failed l
    left join household_dims h using (household_id)
    left join history hi using (household_key)

)

select * from final
