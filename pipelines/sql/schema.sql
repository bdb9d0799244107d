-- The warehouse. Every statement is idempotent: run at each read-write open.
-- Data tables hold the current row per natural key; each has a *_versions twin
-- holding every row every batch delivered, so undoing a batch can restore the
-- version an earlier batch loaded. No PRIMARY KEY constraints: DuckDB cannot
-- delete and re-insert a key in one transaction under one; the loader keeps keys
-- unique instead (tests/test_load.py checks it).

CREATE SEQUENCE IF NOT EXISTS batch_seq START 1;

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR,
    value BIGINT
);

CREATE TABLE IF NOT EXISTS batches (
    batch_id       INTEGER,
    kind           VARCHAR,   -- households | temperature | tickets | fees
    dataset        VARCHAR,   -- the table loaded
    file_name      VARCHAR,
    sheet          VARCHAR,
    sha256         VARCHAR,
    file_bytes     BIGINT,
    uploaded_by    VARCHAR,
    loaded_at      TIMESTAMP,
    header_row     INTEGER,
    rows_read      INTEGER,
    rows_inserted  INTEGER,
    rows_updated   INTEGER,
    rows_unchanged INTEGER,
    rows_rejected  INTEGER,
    data_from      TIMESTAMP, -- earliest event time in the file (coverage)
    data_to        TIMESTAMP,
    status         VARCHAR,   -- loaded | undone
    undone_at      TIMESTAMP,
    undone_by      VARCHAR
);

CREATE TABLE IF NOT EXISTS rejects (
    batch_id    INTEGER,
    file_name   VARCHAR,
    sheet       VARCHAR,
    source_row  INTEGER,      -- as Excel shows it (CSV: line number)
    column_name VARCHAR,      -- canonical field
    source_column VARCHAR,    -- the header as in the file
    value       VARCHAR,
    code        VARCHAR,      -- machine reason, see i18n reject.*
    reason      VARCHAR,      -- the reason in words, in the loading user's language
    params      VARCHAR       -- JSON: what the words name (pipelines/reasons.py), so a
                              -- viewer reads them in their language; NULL: loaded before
);
-- A warehouse made before params: its rejects keep their stored words.
ALTER TABLE rejects ADD COLUMN IF NOT EXISTS params VARCHAR;

-- What a load said about the rows it kept (IDs padded, households not in the
-- roster, a receipt number reused, rows an earlier version left behind): the
-- i18n code (load.warning.*) and its values, worded when read, in the
-- reader's language (pipelines/load.py warning). Kept after an undo.
CREATE TABLE IF NOT EXISTS batch_warnings (
    batch_id INTEGER,
    seq      INTEGER,       -- the order the load said them in
    code     VARCHAR,
    params   VARCHAR        -- JSON
);

CREATE TABLE IF NOT EXISTS households (
    household_id    VARCHAR,
    branch          VARCHAR,
    station         VARCHAR,
    community       VARCHAR,
    building        VARCHAR,
    unit            VARCHAR,
    floor           VARCHAR,
    room            VARCHAR,
    zone            VARCHAR,   -- 高区 | 低区
    customer_type   VARCHAR,   -- 居民 | 非居民 | 平房
    heated_area_m2  DOUBLE,
    contract_temp_c DOUBLE,
    heating_status  VARCHAR,   -- 供热 | 停热
    name            VARCHAR,
    phone           VARCHAR,
    address         VARCHAR,
    batch_id        INTEGER,
    source_row      INTEGER,
    row_hash        UBIGINT
);

CREATE TABLE IF NOT EXISTS temperature_readings (
    household_id VARCHAR,
    measured_at  TIMESTAMP,   -- local time, Asia/Shanghai
    indoor_c     DOUBLE,
    outdoor_c    DOUBLE,
    signed       BOOLEAN,     -- unsigned readings are invalid (service rules art. 11(7))
    inspector    VARCHAR,
    note         VARCHAR,
    batch_id     INTEGER,
    source_row   INTEGER,
    row_hash     UBIGINT
);

CREATE TABLE IF NOT EXISTS tickets (
    ticket_no     VARCHAR,
    received_at   TIMESTAMP,
    category      VARCHAR,    -- 咨询 报修 抢修 投诉 举报 建议
    channel       VARCHAR,
    household_id  VARCHAR,
    caller_name   VARCHAR,
    phone         VARCHAR,
    anonymous     BOOLEAN,
    description   VARCHAR,
    station       VARCHAR,
    dispatched_at TIMESTAMP,
    arrived_at    TIMESTAMP,
    resolved_at   TIMESTAMP,
    result        VARCHAR,
    followup_at   TIMESTAMP,
    satisfaction  VARCHAR,    -- 满意 基本满意 不满意
    batch_id      INTEGER,
    source_row    INTEGER,
    row_hash      UBIGINT
);

CREATE TABLE IF NOT EXISTS fee_bills (
    household_id   VARCHAR,
    season         VARCHAR,   -- "2025-2026"
    heated_area_m2 DOUBLE,
    unit_price     DOUBLE,    -- yuan per m2
    exemption      DOUBLE,    -- yuan
    amount_due     DOUBLE,    -- yuan
    heating_status VARCHAR,
    batch_id       INTEGER,
    source_row     INTEGER,
    row_hash       UBIGINT
);

CREATE TABLE IF NOT EXISTS fee_payments (
    receipt_no   VARCHAR,
    household_id VARCHAR,
    season       VARCHAR,
    paid_at      TIMESTAMP,
    amount       DOUBLE,      -- yuan; negative for a reversal
    method       VARCHAR,
    collector    VARCHAR,
    invoice_no   VARCHAR,
    batch_id     INTEGER,
    source_row   INTEGER,
    row_hash     UBIGINT
);

CREATE TABLE IF NOT EXISTS households_versions AS SELECT * FROM households LIMIT 0;
CREATE TABLE IF NOT EXISTS temperature_readings_versions AS SELECT * FROM temperature_readings LIMIT 0;
CREATE TABLE IF NOT EXISTS tickets_versions AS SELECT * FROM tickets LIMIT 0;
CREATE TABLE IF NOT EXISTS fee_bills_versions AS SELECT * FROM fee_bills LIMIT 0;
CREATE TABLE IF NOT EXISTS fee_payments_versions AS SELECT * FROM fee_payments LIMIT 0;

-- The columns a batch's file did not have: its versions hold NULL there (the
-- load kept the stored values, pipelines/load.py), and undo restores each
-- column from the newest remaining batch whose file had it.
CREATE TABLE IF NOT EXISTS batch_kept_columns (batch_id INTEGER, columns VARCHAR[]);

-- Column mappings chosen by users in the upload form, remembered per header
-- layout (signature = hash of the normalised header labels).
CREATE TABLE IF NOT EXISTS column_mappings (
    signature VARCHAR,
    dataset   VARCHAR,
    overrides VARCHAR,   -- JSON: field -> column index
    saved_by  VARCHAR,
    saved_at  TIMESTAMP
);

-- Who did what, when (auth/audit.py).
CREATE TABLE IF NOT EXISTS audit_log (
    ts        TIMESTAMP,   -- Asia/Shanghai
    user_name VARCHAR,
    role      VARCHAR,
    action    VARCHAR,     -- sign_in, sign_in_failed, upload, undo, export, download, view_personal, ...
    target    VARCHAR,     -- file, batch, page or table concerned
    detail    VARCHAR
);

-- Stored models (metrics/stored.py): what each was last built from. A query
-- uses a stored model only while its data version and settings still hold.
CREATE TABLE IF NOT EXISTS derived_state (
    name         VARCHAR,
    data_version BIGINT,
    settings     VARCHAR
);
