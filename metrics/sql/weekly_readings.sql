-- weekly_readings: the readings of the period per ISO week (Monday first),
-- split as the temperature KPIs split them (reading_flags, reading_facts):
-- compliant / counted is the week's compliance rate, unsigned / readings the
-- share of invalid readings, and readings = unsigned + exempt + counted.

with facts as (

    select measured_at, unsigned, exempt, counted, compliant
    from reading_facts

),

final as (

    select
        cast(date_trunc('week', measured_at) as date) as week,
        count(*) as readings,
        count(*) filter (where unsigned) as unsigned,
        count(*) filter (where exempt) as exempt,
        count(*) filter (where counted) as counted,
        count(*) filter (where compliant) as compliant
    from facts
    group by cast(date_trunc('week', measured_at) as date)

)

select * from final
