-- payment_facts: every receipt up to the cut-off. The household's dimensions are
-- attached by the query layer (roster model).
--   paid_in_period     taken during the period (daily receipts, 日清日结)
--   for_season         for the fee season ($season): the receipts behind the
--                      collection rate by amount

with receipts as (

    select *
    from fee_payments
    where paid_at < $cutoff_at

),

final as (

    select
        p.receipt_no,
        p.household_id,
        p.season,
        p.paid_at,
        p.amount,
        -- One name per way of paying, however the system wrote it (微信支付,
        -- WeChat, 扫码-微信): the daily settlement split one method in three.
        case
            when regexp_matches(lower(p.method), '微信|wechat|weixin') then '微信'
            when regexp_matches(lower(p.method), '支付宝|alipay') then '支付宝'
            when regexp_matches(lower(p.method), 'pos|刷卡|银联卡|银行卡') then 'POS刷卡'
            when regexp_matches(lower(p.method), '转账|汇款|对公|网银|transfer') then '银行转账'
            when regexp_matches(lower(p.method), '^\s*(现金|cash)') then '现金'
            else nullif(trim(p.method), '')
        end as method,
        -- A collector's name without the title some systems put around it
        -- (收费员-张三, 张三（收费员）): one person, one row of the settlement.
        nullif(trim(regexp_replace(p.collector,
            '^\s*(收费员|收款员|操作员|收费人)\s*[-—:：·]?\s*|\s*[(（](收费员|收款员|操作员)[)）]\s*$',
            '', 'g')), '') as collector,
        p.invoice_no,
        -- Blank, a word saying there is none (无, 未开票: settings), or
        -- zeros and dashes alone (0, 00000000, ---), as systems fill a
        -- number not yet issued.
        coalesce(trim(p.invoice_no), '') = ''
            or list_contains($no_invoice_words::varchar[], trim(p.invoice_no))
            or regexp_full_match(trim(p.invoice_no), '[0\-—/]+')
            as missing_invoice,
        p.paid_at >= $start_at as paid_in_period,
        p.season = $season as for_season,
        p.batch_id,
        p.source_row
    from receipts p

)

select * from final
