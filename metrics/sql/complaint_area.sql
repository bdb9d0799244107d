-- complaint_area: the two sides of complaints per 10,000 m² in one relation, so
-- a slice (branch, station, ...) sums both the same way:
--   complaint rows  one per complaint ticket (投诉/举报) received in the period
--   area rows       one per household heated in the period's season
--                   (heated_households), its heated area in 10,000 m²
-- Households stopped (停热) that season are not heated and carry no area.

with complaints as (

    select
        'ticket' as row_kind,
        ticket_no as row_key,
        received_at,
        branch,
        station,
        community,
        building,
        zone,
        customer_type,
        1 as complaints,
        0.0 as area_10k_m2,
        batch_id,
        source_row
    from ticket_facts
    where complaint_in_period

),

heated_area as (

    select
        'household' as row_kind,
        household_id as row_key,
        cast(null as timestamp) as received_at,
        branch,
        station,
        community,
        building,
        zone,
        customer_type,
        0 as complaints,
        coalesce(heated_area_m2, 0) / 10000.0 as area_10k_m2,
        batch_id,
        source_row
    from heated_households

),

final as (

    select * from complaints
    union all
    select * from heated_area

)

select * from final
