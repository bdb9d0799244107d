-- bill_checks: every bill of the fee season ($season) checked against the tariff
-- (应征不漏、应免不征).
--   expected_yuan        area x price (x the stopped base share when 停热) - exemption
--   amount_differs       |amount due - expected| > the tolerance in settings, or no
--                        expected amount at all (no unit price on the bill, or no
--                        area on the bill or in the roster): a bill that cannot be
--                        checked is listed with it, never taken as right (cannot_check)
--   stopped_charged_full a stopped household billed as a heated one: the full
--                        area x price less its exemption (if any)
--   exempt_charged_full  a household with an exemption billed the full area x price
-- The bill's own area and status win; the roster's fill in when the bill has none.

with bills as (

    select *
    from fee_bills
    where season = $season

),

checked as (

    select
        b.household_id,
        h.branch,
        h.station,
        h.community,
        h.building,
        h.unit,
        h.room,
        h.zone,
        h.customer_type,
        h.name,
        h.phone,
        h.address,
        b.season,
        coalesce(b.heating_status, h.heating_status, '供热') as heating_status,
        coalesce(b.heating_status, h.heating_status, '供热') = '停热' as stopped,
        coalesce(b.heated_area_m2, h.heated_area_m2) as area_m2,
        b.unit_price,
        coalesce(b.exemption, 0) as exemption_yuan,
        b.amount_due as due_yuan,
        round(area_m2 * b.unit_price, 2) as full_yuan,
        round(area_m2 * b.unit_price
              * case when stopped then $stopped_base_share else 1 end
              - exemption_yuan, 2) as expected_yuan,
        round(b.amount_due - expected_yuan, 2) as difference_yuan,
        b.batch_id,
        b.source_row
    from bills b
    left join household_dims h using (household_id)

),

final as (

    select
        c.* exclude (batch_id, source_row),
        expected_yuan is null as cannot_check,
        cannot_check or coalesce(abs(difference_yuan) > $bill_tolerance_yuan, false)
            as amount_differs,
        coalesce(stopped and due_yuan >= full_yuan - exemption_yuan - $bill_tolerance_yuan,
                 false)
            as stopped_charged_full,
        coalesce(exemption_yuan > 0 and due_yuan >= full_yuan - $bill_tolerance_yuan, false)
            as exempt_charged_full,
        stopped_charged_full or exempt_charged_full as charged_in_full,
        bt.file_name,
        c.source_row
    from checked c
    left join batches bt on bt.batch_id = c.batch_id

)

select * from final
