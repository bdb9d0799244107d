-- ticket_base: every ticket received before the cut-off, with its deadline and
-- what the ticket KPIs count that does not depend on the period, and nothing
-- looked up elsewhere (ticket_placed adds the dimensions when a request needs
-- them, ticket_facts the period's flags). Times are calendar hours (heating is
-- a 24-hour service).
--   deadline  received + resolve_hours of the category (settings); 咨询 1 h
-- Anonymous tickets never carry the caller's name or phone, nor them or a phone or
-- room number in their text (service rules art. 20); ticket_facts drops their
-- household too.

with limits as (

    select
        unnest($limit_categories) as category,
        unnest($limit_resolve_hours) as resolve_hours

),

arrive_limits as (

    select
        unnest($arrive_categories) as category,
        unnest($arrive_hours) as arrive_hours

),

received_by_cutoff as (

    select *
    from tickets
    where received_at < $cutoff_at

),

with_deadline as (

    select
        t.ticket_no,
        t.received_at,
        t.category,
        t.channel,
        t.household_id,
        coalesce(t.anonymous, false) as anonymous,
        case when coalesce(t.anonymous, false) then null else t.caller_name end as caller_name,
        case when coalesce(t.anonymous, false) then null else t.phone end as phone,
        -- An anonymous caller (service rules art. 20) may be named in the text, or
        -- their phone or room written there. In the description and the result,
        -- the caller's own name and phone as the export gave them are cut, then
        -- every phone and room number (auth/masking.py TEXT_CUTS, in its order).
        -- Dropped in final.
        case when coalesce(t.anonymous, false) then list_transform(
            [t.description, t.result],
            lambda x: regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
                replace(replace(x,
                    -- '' replaces nothing (a NULL would make the text NULL)
                    case when length(t.caller_name) >= 2 then t.caller_name else '' end, '***'),
                    case when length(t.phone) >= 5 then t.phone else '' end, '***'),
                '(^|[^0-9０-９])([1-9１-９][0-9０-９]{5})[0-9０-９]{8}([0-9０-９]{3}[0-9０-９XxＸｘ])', '\1\2********\3', 'g'),
                '(^|[^0-9０-９])((?:[+＋]?[8８][6６][\s\-－]*)?[1１][3-9３-９][0-9０-９])(?:[\s\-－]?[0-9０-９]){4}[\s\-－]?([0-9０-９](?:[\s\-－]?[0-9０-９]){3})', '\1\2****\3', 'g'),
                '(^|[^0-9０-９])([1１][3-9３-９][0-9０-９])[.．][0-9０-９]{4}[.．]([0-9０-９]{4})', '\1\2****\3', 'g'),
                '(^|[^0-9０-９])([0０][0-9０-９]{2,3}[\s\-－]*)(?:[0-9０-９][\s\-－]?){3,4}([0-9０-９]{4})', '\1\2****\3', 'g'),
                '(单元)\s*[0-9０-９]+', '\1***', 'g'),
                '(平房)\s*[0-9０-９]+\s*排\s*[0-9０-９]+\s*号?', '\1***', 'g'),
                '(楼|栋|幢|座|层|[#＃])\s*[0-9０-９]{3,4}', '\1***', 'g'),
                '(^|[^0-9０-９])([0-9０-９]{1,2}\s*[-－]\s*)[0-9０-９]{3,4}', '\1\2***', 'g'),
                '[0-9０-９]{3,4}(\s*(?:室|房))', '***\1', 'g'))
        end as anonymous_texts,
        case when coalesce(t.anonymous, false) then anonymous_texts[1]
             else t.description end as description,
        t.station as responsible_station,
        t.dispatched_at,
        t.arrived_at,
        t.resolved_at,
        case when coalesce(t.anonymous, false) then anonymous_texts[2]
             else t.result end as result,
        t.followup_at,
        t.satisfaction,
        t.received_at + to_microseconds(cast(round(l.resolve_hours * 3600000000) as bigint))
            as deadline_at,
        -- On site by (抢修: received + 2 h); NULL for a category without an arrival limit.
        t.received_at + to_microseconds(cast(round(a.arrive_hours * 3600000000) as bigint))
            as arrive_by,
        t.batch_id,
        t.source_row
    from received_by_cutoff t
    left join limits l using (category)
    left join arrive_limits a using (category)

),

final as (

    select
        * exclude (anonymous_texts),
        -- Elapsed microseconds: date_diff('second') counts the second marks
        -- passed, so 08:00:00.9 to 08:00:01.1 would be a whole second.
        date_diff('microsecond', received_at, resolved_at) / 3600000000.0 as resolution_hours,
        -- Resolved at the deadline itself is on time.
        coalesce(resolved_at <= deadline_at, false) as on_time,
        followup_at is not null as followed_up,
        -- Followed up within the limit after resolution (回访及时, settings).
        coalesce(followup_at <= resolved_at + to_microseconds(
            cast(round($followup_limit_hours * 3600000000) as bigint)), false)
            as followed_up_on_time,
        arrive_by is not null as arrival_limited,
        -- On site by the limit; at the limit itself is on time, never arrived is late.
        coalesce(arrived_at <= arrive_by, false) as arrived_on_time,
        coalesce(list_contains($satisfied_words::varchar[], satisfaction), false) as satisfied,
        coalesce(list_contains($complaint_categories::varchar[], category), false) as complaint,
        -- What ticket_facts combines with the period (and leaves out):
        coalesce(list_contains($followup_categories::varchar[], category), false)
            as followup_category,
        coalesce(list_contains($rating_words::varchar[], satisfaction), false) as rating_word,
        -- No result text: nothing but whitespace, control or format characters
        -- (trim() takes spaces only; a CSV export's blank cell may hold a tab,
        -- a cell a line break or a zero-width space), dashes and slashes: a
        -- cell saying "none" with "—" or "/", as the loader reads such a cell
        -- in the other columns (pipelines heat_blank), full-width ones too
        -- (free text is loaded as written, not NFKC-normalised).
        coalesce(regexp_full_match(result,
                 '[\s\p{Z}\p{Cc}\p{Cf}\-‐‑‒–—―─━－/／\\＼]*'), true) as blank_result
    from with_deadline

)

select * from final
