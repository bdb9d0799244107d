-- Parsers used by staging (pipelines/stage.py). Each returns NULL when the text
-- cannot be read; staging turns that into a reject with the reason.

-- A cell's text without the whitespace and control characters around it (tabs,
-- CR/LF, zero-width spaces, a BOM; Chinese systems put a tab before long numbers
-- in CSV so Excel keeps them as text); NULL when nothing is left. Staging applies
-- it to the cell after Unicode NFKC (pipelines/stage.py).
CREATE OR REPLACE TEMP MACRO heat_clean(s) AS
    NULLIF(regexp_replace(s, '^[\s\p{Z}\p{Cc}\p{Cf}]+|[\s\p{Z}\p{Cc}\p{Cf}]+$', '', 'g'), '');

-- A cell that only says "none" with a dash or slash (—, -, /): NULL, so an
-- optional column is empty and a required one missing.
CREATE OR REPLACE TEMP MACRO heat_blank(s) AS (
    CASE WHEN regexp_full_match(s, '[-‐‑‒–—―─━/\\]+') THEN NULL ELSE s END);

-- A cell that says "no value" in words a source system or a database writes
-- for it: NULL, N/A, 无, 空, (空), 暂无, 不详, or a zero date (0000-00-00, a
-- MySQL export's; 1900-01-00, Excel's day 0; 0, its serial). Staging reads
-- such a cell of a time or number column as empty where it is no time or
-- number (an optional column's cell then loads empty, not its row rejected).
CREATE OR REPLACE TEMP MACRO heat_no_value(s) AS
    regexp_full_match(lower(regexp_replace(s, '[\s()（）\[\]【】<>《》"“”'']', '', 'g')),
        'null|n/?a|none|nil|无|空|暂无|没有|不详|未知|0|0{4}[-/.]0{1,2}[-/.]0{1,2}(0{1,2}:0{2}(:0{2})?)?'
        || '|1900[-/.]0?1[-/.]0{1,2}(0{1,2}:0{2}(:0{2})?)?|1900年0?1月0{1,2}日');

-- A time cell saying the step has not happened yet (未办结, 处理中, 待回访,
-- 未派单): no time, as an empty cell. Not 无需回访 / 不回访: read so, the
-- ticket would count as one not followed up, where the export says none was
-- due (whether such a ticket counts is the company's call: it stays rejected).
CREATE OR REPLACE TEMP MACRO heat_not_yet(s) AS
    regexp_full_match(regexp_replace(s, '[\s()（）\[\]【】]', '', 'g'),
        '(尚未|暂未|还未|未|待|没有)(派单|派工|分派|转派|办结|处理|完成|结案|回访|上门|到场|到达|解决|办理)'
        || '|(处理|办理|维修|施工|派单|派工)中');

-- A cell as staging reads it: heat_blank(heat_clean(s)). A cell beginning with
-- a printable ASCII character other than - / \ and ending with any printable
-- ASCII character (most numbers, IDs and times) is itself: the regular
-- expressions run on the rest. (Give it a column: the argument is written out
-- several times.)
CREATE OR REPLACE TEMP MACRO heat_cell(s) AS (
    CASE WHEN ord(s) BETWEEN 33 AND 126 AND ord(s) NOT IN (45, 47, 92)
              AND ord(right(s, 1)) BETWEEN 33 AND 126 THEN s
         ELSE heat_blank(heat_clean(s)) END);

-- An ID read from a number cell ends in ".0": the ID without it.
CREATE OR REPLACE TEMP MACRO heat_id_number(s) AS (
    CASE WHEN suffix(s, '.0') THEN regexp_replace(s, '\.0$', '') ELSE s END);

-- A number written in Chinese or spoken style, before units are stripped:
-- 零下/负 for minus (零下3度, 零下三度), Chinese numerals of a small number
-- (十八, 十八点五, 二十三, 两, 〇点五; none with 百/千, which stay unreadable),
-- and a temperature as spoken, 18度5 / 十八度五 = 18.5 (one digit after 度; more
-- digits, 18度50, stay unreadable).
CREATE OR REPLACE TEMP MACRO heat_num_cn(s) AS
    regexp_replace(regexp_replace(regexp_replace(
        translate(regexp_replace(s, '(\d|[〇零一二两三四五六七八九十])点([\d〇零一二两三四五六七八九])', '\1.\2', 'g'),
                  '零〇一二两三四五六七八九', '001223456789'),
        '^([-+]?)十', '\11十'), '十($|[^\d])', '十0\1'), '(\d)十(\d)', '\1\2');
CREATE OR REPLACE TEMP MACRO heat_num_pre(s) AS (
    regexp_replace(
        CASE WHEN regexp_matches(regexp_replace(trim(s), '^(零下|负)\s*', '-'), '[〇零一二两三四五六七八九十点]')
             THEN heat_num_cn(regexp_replace(trim(s), '^(零下|负)\s*', '-'))
             ELSE regexp_replace(trim(s), '^(零下|负)\s*', '-') END,
        '^([-+]?\d+)\s*度\s*(\d)$', '\1.\2'));

-- Numbers as exports write them: "1,234.50", "¥1234", "17.5℃", "−8.2", "–8.2" (an
-- en dash, as word processors turn a typed minus; an em dash "—" is an export's
-- "no value" and no sign), "95.5㎡",
-- "18.5度", "18.5摄氏度", "18.5(℃)", "85.3平方米", "85.3平米", a price "25元/㎡",
-- "人民币1234.50元", "1234.50元整", and the forms above.
CREATE OR REPLACE TEMP MACRO heat_num_text(s) AS
    regexp_replace(translate(heat_num_pre(s), '−－﹣–', '----'),
                   '[(（]\s*(℃|°C|°c|°|度|摄氏度|元)\s*[)）]|摄氏|人民币|整$|'
                   '[\s,，¥￥元℃°㎡²度]|/(㎡|平方米|平米|m2|M2|m²)|平方米|平米|RMB|rmb|m2$|M2$|C$|c$', '', 'g');

-- A number with 万 (10,000) as its unit: 1.2万, 1.2万元, 3万㎡.
CREATE OR REPLACE TEMP MACRO heat_num_wan(s) AS
    regexp_full_match(heat_num_text(s), '[-+]?[\d.]+万');

-- A unit between digits (18°5, 18℃5, 1元2, 18度50): no number we can read
-- without guessing; stripped, it would read as 185.
CREATE OR REPLACE TEMP MACRO heat_num_split(s) AS
    regexp_matches(heat_num_pre(s), '\d\s*(°[Cc]|℃|°|度|元|㎡|²|平方米|平米)\s*[\d.]');

-- A comma that is no thousands separator: one after the decimal point
-- (1.234,50, the European 1234.50), one not followed by exactly three digits
-- (12,5: 12.5 or 125?), or after four digits (1234,567). Stripped, 1.234,50
-- read as 1.2345; such a number is not read.
CREATE OR REPLACE TEMP MACRO heat_num_comma(s) AS
    regexp_matches(s, '[,，](\d{0,2}(\D|$)|\d{4})|\.\d*[,，]|\d{4}[,，]');

CREATE OR REPLACE TEMP MACRO heat_num_slow(s) AS (
    CASE WHEN heat_num_split(s) OR heat_num_comma(s) THEN NULL
         WHEN heat_num_wan(s)
         THEN round(TRY_CAST(rtrim(heat_num_text(s), '万') AS DOUBLE) * 10000, 4)
         ELSE TRY_CAST(heat_num_text(s) AS DOUBLE) END);

-- An underscore between digits is no number a person writes: DuckDB reads
-- 1_8 as 18 and 18_5 as 185 (digit grouping); here neither is read.
CREATE OR REPLACE TEMP MACRO heat_num(s) AS (
    CASE WHEN contains(s, '_') THEN NULL
         WHEN isfinite(TRY_CAST(s AS DOUBLE)) THEN TRY_CAST(s AS DOUBLE)
         WHEN isfinite(heat_num_slow(s)) THEN heat_num_slow(s) END);

-- Amounts. An accounting negative in brackets, (500.00), ¥(500.00), (1.2万元),
-- is the amount negated; a bracket around a negative one is unreadable.
CREATE OR REPLACE TEMP MACRO heat_paren(s) AS
    regexp_extract(trim(s), '^[¥\s]*\(\s*([^()\-−﹣–]+?)\s*\)\s*(元)?$', 1);
CREATE OR REPLACE TEMP MACRO heat_negated(x) AS (
    CASE WHEN x > 0 THEN -x WHEN x = 0 THEN 0.0 END);
CREATE OR REPLACE TEMP MACRO heat_amount(s) AS (
    CASE WHEN contains(s, '_') THEN NULL
         WHEN isfinite(TRY_CAST(s AS DOUBLE)) THEN TRY_CAST(s AS DOUBLE)
         WHEN heat_paren(s) <> '' THEN heat_negated(heat_num(heat_paren(s)))
         ELSE heat_num(s) END);
-- In a column whose header gives the unit 万元: the cell times `scale`, unless
-- the cell gives its own 万 (1.2万元 is 12,000 yuan, not 1.2万 万元).
CREATE OR REPLACE TEMP MACRO heat_amount_in(s, scale) AS (
    CASE WHEN heat_num_wan(s) THEN heat_num(s)
         ELSE round(heat_num(s) * scale, 4) END);
CREATE OR REPLACE TEMP MACRO heat_amount_scaled(s, scale) AS (
    CASE WHEN heat_paren(s) <> '' THEN heat_negated(heat_amount_in(heat_paren(s), scale))
         ELSE heat_amount_in(s, scale) END);

-- Morning or afternoon written in a time: 上午/下午 (and 早上, 凌晨, 中午, 晚上 …),
-- AM/PM, a.m./p.m. heat_ts_half gives 'AM', 'PM' or NULL; heat_ts_rest the text
-- without it, spaces collapsed.
CREATE OR REPLACE TEMP MACRO heat_ts_marker() AS
    '上午|早上|早晨|凌晨|下午|中午|晚上|傍晚|夜间|[AaPp]\.?[Mm]\.?';
CREATE OR REPLACE TEMP MACRO heat_ts_half(s) AS (
    CASE WHEN regexp_extract(s, heat_ts_marker()) IN ('上午', '早上', '早晨', '凌晨')
              OR regexp_matches(regexp_extract(s, heat_ts_marker()), '^[Aa]') THEN 'AM'
         WHEN regexp_extract(s, heat_ts_marker()) <> '' THEN 'PM' END);
CREATE OR REPLACE TEMP MACRO heat_ts_rest(s) AS
    trim(regexp_replace(regexp_replace(s, heat_ts_marker(), ' ', 'g'), '\s+', ' ', 'g'));
-- 晚上/夜间 with 12 or 0-5 o'clock (晚上12:00, 夜间1:30): past midnight, so on the
-- next day or this one? Not guessed: such a time is no readable time (a reject).
CREATE OR REPLACE TEMP MACRO heat_ts_night_unclear(s) AS (
    coalesce(regexp_extract(s, heat_ts_marker()) IN ('晚上', '夜间')
             AND TRY_CAST(regexp_extract(heat_ts_rest(s), '\s(\d{1,2})\s*[:：时]', 1) AS INTEGER)
                 IN (0, 1, 2, 3, 4, 5, 12), false));

-- A month and day without a year, with or without a time: 12月8日 8:30,
-- 12-08 8:30, 12/8, 12.08. Unreadable as a time (the year is not guessed);
-- staging names the missing year in the reject.
CREATE OR REPLACE TEMP MACRO heat_ts_no_year(s) AS
    regexp_matches(heat_ts_rest(s),
        '^((0?[1-9]|1[0-2])\s*月\s*(0?[1-9]|[12]\d|3[01])\s*[日号]?|(0?[1-9]|1[0-2])\s*[-/.]\s*(0?[1-9]|[12]\d|3[01]))($|[^\d\-/.]|\s*\d{1,2}\s*[:：时])');

-- A date the calendar does not have, written year first (2026/11/31 9:00,
-- 2025-02-29, 2026年4月31日): 'YYYY-MM-DD' as written, so that the reject
-- says which day is missing rather than call a familiar form unreadable;
-- NULL for any other text.
CREATE OR REPLACE TEMP MACRO heat_ts_ymd(s) AS
    regexp_extract(trim(s), '^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:\D|$)',
                   ['y', 'm', 'd']);
CREATE OR REPLACE TEMP MACRO heat_ts_no_such_day(s) AS (
    CASE WHEN TRY_CAST(heat_ts_ymd(s).m AS INTEGER) BETWEEN 1 AND 12
              AND TRY_CAST(heat_ts_ymd(s).d AS INTEGER) BETWEEN 1 AND 31
              AND try_strptime(heat_ts_ymd(s).y || '-' || heat_ts_ymd(s).m || '-'
                               || heat_ts_ymd(s).d, '%Y-%m-%d') IS NULL
         THEN heat_ts_ymd(s).y || '-' || lpad(heat_ts_ymd(s).m, 2, '0') || '-'
              || lpad(heat_ts_ymd(s).d, 2, '0') END);

-- A date written with its year last (25/11/2026 10:00, 11/25/2026, 05/11/2026):
-- day or month first differs from system to system, so it is not read.
-- heat_ts_day_first gives the date, 'YYYY-MM-DD', when the first number can
-- only be a day (over 12) and the date exists: the reject shows it in the
-- order that is read; NULL otherwise.
CREATE OR REPLACE TEMP MACRO heat_ts_dmy(s) AS
    regexp_extract(trim(s), '^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?:\D|$)',
                   ['a', 'b', 'y']);
CREATE OR REPLACE TEMP MACRO heat_ts_year_last(s) AS
    regexp_matches(trim(s), '^\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{4}(?:\D|$)');
CREATE OR REPLACE TEMP MACRO heat_ts_day_first(s) AS (
    CASE WHEN TRY_CAST(heat_ts_dmy(s).a AS INTEGER) > 12
         THEN strftime(try_strptime(heat_ts_dmy(s).y || '-' || heat_ts_dmy(s).b || '-'
                                    || heat_ts_dmy(s).a, '%Y-%m-%d'), '%Y-%m-%d') END);

-- The times below, as written (heat_ts reads a clock in words, a weekday and
-- an offset first).
CREATE OR REPLACE TEMP MACRO heat_ts_local(s, epoch) AS (
    CASE
        WHEN regexp_full_match(trim(s), '\d{1,7}(\.\d+)?')
             AND TRY_CAST(trim(s) AS DOUBLE) BETWEEN 61 AND 2958465
        THEN CAST(epoch AS TIMESTAMP)
             + to_seconds(CAST(round(TRY_CAST(trim(s) AS DOUBLE) * 86400) AS BIGINT))
        WHEN heat_ts_night_unclear(s) THEN NULL
        WHEN heat_ts_half(s) IS NOT NULL
             AND try_strptime(heat_ts_rest(s) || ' ' || heat_ts_half(s), [
                '%Y-%m-%d %I:%M %p', '%Y-%m-%d %I:%M:%S %p', '%Y/%m/%d %I:%M %p',
                '%Y/%m/%d %I:%M:%S %p', '%Y.%m.%d %I:%M %p', '%Y.%m.%d %I:%M:%S %p',
                '%Y年%m月%d日 %I:%M %p', '%Y年%m月%d日 %I:%M:%S %p', '%Y年%m月%d日 %I时%M分 %p',
                '%Y年%m月%d日 %I时 %p']) IS NOT NULL
        THEN try_strptime(heat_ts_rest(s) || ' ' || heat_ts_half(s), [
                '%Y-%m-%d %I:%M %p', '%Y-%m-%d %I:%M:%S %p', '%Y/%m/%d %I:%M %p',
                '%Y/%m/%d %I:%M:%S %p', '%Y.%m.%d %I:%M %p', '%Y.%m.%d %I:%M:%S %p',
                '%Y年%m月%d日 %I:%M %p', '%Y年%m月%d日 %I:%M:%S %p', '%Y年%m月%d日 %I时%M分 %p',
                '%Y年%m月%d日 %I时 %p'])
        ELSE try_strptime(heat_ts_rest(s), [
            '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d', '%Y-%m-%d %H:%M:%S.%f',
            '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M',
            '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y/%m/%d',
            '%Y.%m.%d %H:%M:%S', '%Y.%m.%d %H:%M', '%Y.%m.%d',
            '%Y年%m月%d日 %H:%M:%S', '%Y年%m月%d日 %H:%M', '%Y年%m月%d日%H:%M:%S',
            '%Y年%m月%d日%H:%M', '%Y年%m月%d日',
            '%Y年%m月%d日 %H时%M分', '%Y年%m月%d日%H时%M分', '%Y年%m月%d日 %H时', '%Y%m%d',
            '%Y%m%d %H:%M:%S', '%Y%m%d%H%M%S',
            -- rarer: fractions of a second after a T or a slash date, 号 for 日
            '%Y-%m-%dT%H:%M:%S.%f', '%Y/%m/%d %H:%M:%S.%f', '%Y.%m.%d %H:%M:%S.%f',
            '%Y年%m月%d号 %H:%M', '%Y年%m月%d号 %H:%M:%S', '%Y年%m月%d号'])
    END);

-- A weekday written with a date (2025/12/01 星期一, 周一, 礼拜天, （星期日）): its
-- ISO number, 1 = Monday … 7 = Sunday; 0 when the text names none.
CREATE OR REPLACE TEMP MACRO heat_ts_weekday(s) AS (
    CASE WHEN regexp_matches(s, '(星期|周|礼拜)[一二三四五六日天]')
         THEN least(position(regexp_extract(s, '(星期|周|礼拜)([一二三四五六日天])', 2)
                             IN '一二三四五六日天'), 7)
         ELSE 0 END);

-- The text without its weekday, and a time written in words as a clock time:
-- 8点05分 / 8时05分 -> 8:05, 8点05分30秒 -> 8:05:30, 8点半 -> 8:30, a closing
-- 8点05 (two digits, no 分) -> 8:05, a closing 8点 / 8时 -> 8:00.
CREATE OR REPLACE TEMP MACRO heat_ts_plain(s) AS (
    CASE WHEN regexp_matches(s, '[点时秒期周拜]')
         THEN trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
             regexp_replace(regexp_replace(regexp_replace(
             s, '[(（\[]?\s*(星期|周|礼拜)[一二三四五六日天]\s*[)）\]]?', ' ', 'g'),
             '(\d{1,2})\s*[点时]\s*(\d{1,2})\s*分\s*(\d{1,2})\s*秒', '\1:\2:\3', 'g'),
             '(\d{1,2})\s*[点时]\s*(\d{1,2})\s*分', '\1:\2', 'g'),
             '(\d{1,2})\s*[点时]\s*半\s*$', '\1:30'),
             '(\d{1,2})\s*[点时]\s*(\d{2})\s*$', '\1:\2'),
             '(\d{1,2})\s*[点时]\s*$', '\1:00'),
             '\s+', ' ', 'g'))
         ELSE s END);

-- An ISO time with its offset from UTC (2025-12-01T08:05:00+08:00, +0800, Z):
-- the time in Asia/Shanghai, where the warehouse keeps every time (an offset
-- of +01:00 is seven hours behind). An offset no place has is no time.
CREATE OR REPLACE TEMP MACRO heat_ts_zoned_text(s) AS
    regexp_full_match(trim(s), '\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-](0\d|1[0-4])(:?(00|15|30|45))?)');
CREATE OR REPLACE TEMP MACRO heat_ts_zoned(s) AS
    timezone('Asia/Shanghai', try_strptime(
        regexp_replace(regexp_replace(trim(s), '\s*Z$', '+00:00'), '\s+([+-]\d{2}(:?\d{2})?)$', '\1'), [
        '%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%dT%H:%M:%S.%f%z', '%Y-%m-%dT%H:%M%z',
        '%Y-%m-%d %H:%M:%S%z', '%Y-%m-%d %H:%M:%S.%f%z', '%Y-%m-%d %H:%M%z']));

-- Whether a time may be written with a clock in words (点, 时, 秒), a weekday
-- (星期, 周, 礼拜) or an ISO offset (T, Z, +, a - after the minutes or seconds):
-- one test, so that ordinary times skip those readings and cost what they did.
CREATE OR REPLACE TEMP MACRO heat_ts_marked(s) AS
    regexp_matches(s, '[点时秒期周拜TZ+]|:\d{2}(\.\d+)?\s*-');

-- Times: Excel serial numbers counted from `epoch` (1900 date system: day 0 =
-- 1899-12-30 for serials after 60; Mac 1904 system: 1904-01-01) and the text
-- formats seen in exports, on a 12-hour clock when the text says 上午/下午 or
-- AM/PM ("2025-12-08 下午2:35"; a 24-hour time after it, "下午14:35", stands),
-- a clock in words (8点05分), a weekday after the date (星期一: one that is not
-- the date's weekday leaves the time unread, as it is unclear which is wrong)
-- and an ISO offset (+08:00). Times are local (Asia/Shanghai).
-- The forms almost every export uses, read cheaply: an Excel serial number
-- and 2025-12-01 08:05[:00] / 2025/12/01 08:05[:00] / 2025-12-01. The same
-- value heat_ts gives, or NULL: the loader reads what is left with heat_ts.
CREATE OR REPLACE TEMP MACRO heat_ts_fast(s, epoch) AS (
    CASE WHEN regexp_full_match(s, '\d{1,7}(\.\d+)?')
              AND TRY_CAST(s AS DOUBLE) BETWEEN 61 AND 2958465
         THEN CAST(epoch AS TIMESTAMP)
              + to_seconds(CAST(round(TRY_CAST(s AS DOUBLE) * 86400) AS BIGINT))
         WHEN NOT heat_ts_marked(s)
         THEN try_strptime(s, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d',
                               '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y/%m/%d'])
    END);

CREATE OR REPLACE TEMP MACRO heat_ts(s, epoch := TIMESTAMP '1899-12-30') AS (
    CASE
        WHEN s IS NULL OR NOT heat_ts_marked(s) THEN heat_ts_local(s, epoch)
        WHEN heat_ts_zoned_text(s) THEN heat_ts_zoned(s)
        WHEN heat_ts_weekday(s) = 0 THEN heat_ts_local(heat_ts_plain(s), epoch)
        WHEN isodow(heat_ts_local(heat_ts_plain(s), epoch)) = heat_ts_weekday(s)
        THEN heat_ts_local(heat_ts_plain(s), epoch)
    END);

-- Seasons: "2025-2026", "2025—2026", "2025~26", "2025年-2026年", "2025/2026采暖季".
CREATE OR REPLACE TEMP MACRO heat_season_y1(s) AS
    TRY_CAST(regexp_extract(trim(s), '^(\d{4})\s*年?\s*[-—–~～/至到]\s*(\d{2}|\d{4})\s*年?\s*(采暖季|供暖季|采暖期|供暖期|供热季|年度)?$', 1) AS INTEGER);
CREATE OR REPLACE TEMP MACRO heat_season_y2(s) AS
    TRY_CAST(regexp_extract(trim(s), '^(\d{4})\s*年?\s*[-—–~～/至到]\s*(\d{2}|\d{4})\s*年?\s*(采暖季|供暖季|采暖期|供暖期|供热季|年度)?$', 2) AS INTEGER);
CREATE OR REPLACE TEMP MACRO heat_season(s) AS (
    CASE WHEN heat_season_y2(s) = heat_season_y1(s) + 1
              OR heat_season_y2(s) = (heat_season_y1(s) + 1) % 100
         THEN CAST(heat_season_y1(s) AS VARCHAR) || '-' || CAST(heat_season_y1(s) + 1 AS VARCHAR)
    END);

-- A time of day alone (8:05, 08:05:30, or an Excel time cell as read,
-- 1899-12-31 08:05:00, 1904-01-01 08:05:00 in a 1904 workbook) joined to the date of `day` (2025/12/1, an Excel date
-- cell): the date and time of an export that keeps them in two columns; also
-- the other way round, a date alone (2025-12-01, an Excel date cell) joined to
-- the time of day beside it (测温日期 with a column 时间). Any other cell, or
-- no readable date or time beside it, is left as it is.
CREATE OR REPLACE TEMP MACRO heat_time_of_day(s) AS
    regexp_extract(trim(s), '^(?:1899-12-3[01] |1900-01-0[01] |1904-01-01 )?(\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?)$', 1);
-- A time of day (s) and its date in a column of its own (day), or a date and
-- the time of day beside it, as one text heat_ts reads; from the parts the
-- caller read once: s_ts and day_ts by heat_ts, s_tod and day_tod by
-- heat_time_of_day. (Calling heat_ts here, with its many uses of its argument,
-- made a statement take seconds to plan.)
CREATE OR REPLACE TEMP MACRO heat_ts_join(s, day, s_ts, day_ts, s_tod, day_tod) AS (
    CASE WHEN s_tod <> '' AND CAST(day_ts AS DATE) IS NOT NULL
         THEN strftime(CAST(day_ts AS DATE), '%Y-%m-%d') || ' ' || replace(s_tod, '：', ':')
         WHEN day_tod <> '' AND s_tod = '' AND CAST(s_ts AS TIME) = TIME '00:00:00'
         THEN strftime(CAST(s_ts AS DATE), '%Y-%m-%d') || ' ' || replace(day_tod, '：', ':')
         -- a time in words (8点半, 下午2:30, 8:05 PM): the date and it as one
         -- text, read whole; what does not read is rejected, not taken as 00:00
         WHEN trim(day) <> '' AND s_tod = '' AND CAST(s_ts AS TIME) = TIME '00:00:00'
              AND day_ts IS NULL
         THEN strftime(CAST(s_ts AS DATE), '%Y-%m-%d') || ' ' || trim(day)
         ELSE s END);
