-- indoor_distribution: the indoor temperatures of the readings the compliance
-- rate counts (valid, non-exempt), in bins of $bin_c degrees starting at
-- bin_start_c (a reading equal to a bin's start is in that bin).

with counted as (

    select *
    from reading_facts
    where counted

),

final as (

    select
        floor(indoor_c / $bin_c) * $bin_c as bin_start_c,
        count(*) as readings,
        count(*) filter (where compliant) as compliant,
        count(*) filter (where failed) as failed
    from counted
    group by floor(indoor_c / $bin_c) * $bin_c

)

select * from final
