-- daily_outdoor: the mean outdoor temperature of each day, from the outdoor
-- temperature the inspectors wrote beside every reading (signed or not: the
-- weather does not depend on the signature), and how many readings carried one.

with final as (

    select
        cast(measured_at as date) as day,
        cast(round(avg(cast(outdoor_c as decimal(9, 2))), 2) as double) as mean_outdoor_c,
        min(outdoor_c) as min_outdoor_c,
        count(outdoor_c) as readings_with_outdoor
    from reading_flags
    where outdoor_c is not null
    group by cast(measured_at as date)

)

select * from final
