-- unbilled_households: heated households of the roster with no bill for the fee
-- season ($season) (应征不漏). Only once the season has bills at all: before
-- its bills are loaded every household would be listed (the pages say that
-- the season has no bills).

with final as (

    select
        h.household_id,
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
        h.heated_area_m2,
        h.heating_status,
        bt.file_name,
        h.source_row
    from household_dims h
    left join season_billed b using (household_id)
    left join batches bt on bt.batch_id = h.batch_id
    where h.heated and b.household_id is null
      and exists (select 1 from season_billed)

)

select * from final
