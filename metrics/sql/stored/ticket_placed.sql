-- ticket_placed, stored: the same rows and columns as ../ticket_placed.sql,
-- read from the table metrics/stored.py keeps (every ticket's row computed for
-- all time, with the settings derived_state records). One plain select: every
-- ticket query plans it. Its columns are named one by one, in the table's
-- order, as flags (compose.prune_flags): a count plans only the columns it
-- reads (binding all of them through ticket_facts cost more than the count).

select
    ticket_no,
    /* flags */
    received_at         as received_at,
    category            as category,
    channel             as channel,
    household_id        as household_id,
    anonymous           as anonymous,
    caller_name         as caller_name,
    phone               as phone,
    description         as description,
    responsible_station as responsible_station,
    dispatched_at       as dispatched_at,
    arrived_at          as arrived_at,
    resolved_at         as resolved_at,
    result              as result,
    followup_at         as followup_at,
    satisfaction        as satisfaction,
    deadline_at         as deadline_at,
    arrive_by           as arrive_by,
    batch_id            as batch_id,
    source_row          as source_row,
    resolution_hours    as resolution_hours,
    on_time             as on_time,
    followed_up         as followed_up,
    followed_up_on_time as followed_up_on_time,
    arrival_limited     as arrival_limited,
    arrived_on_time     as arrived_on_time,
    satisfied           as satisfied,
    complaint           as complaint,
    followup_category   as followup_category,
    rating_word         as rating_word,
    blank_result        as blank_result,
    branch              as branch,
    station             as station,
    community           as community,
    building            as building,
    zone                as zone,
    customer_type       as customer_type,
    owner_name          as owner_name
    /* end flags */
from ticket_facts_stored
where received_at < $cutoff_at
