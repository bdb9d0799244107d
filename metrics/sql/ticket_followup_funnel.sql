-- ticket_followup_funnel: per category, the tickets resolved in the period whose
-- category is followed up (settings followup_categories), and how far each got:
-- resolved -> followed up -> rated -> satisfied. Each stage lies inside the one
-- before: a rating without a recorded follow-up is not counted as rated here.
--   resolved     the follow-up rate's denominator
--   followed_up  its numerator
--   rated        followed up with a rating (settings rating_words)
--   satisfied    rated 满意 or 基本满意 (settings satisfied_words)

with due as (

    select
        category,
        followup_recorded as followed_up,
        followup_recorded and rated as rated,
        followup_recorded and rated and satisfied as satisfied
    from ticket_facts
    where followup_due

),

final as (

    select
        category,
        count(*) as resolved,
        count(*) filter (where followed_up) as followed_up,
        count(*) filter (where rated) as rated,
        count(*) filter (where satisfied) as satisfied
    from due
    group by category

)

select * from final
