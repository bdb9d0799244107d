-- ticket_placed, stored: the same rows and columns as ../ticket_placed.sql,
-- read from the table metrics/stored.py keeps (every ticket's row computed for
-- all time, with the settings derived_state records). One plain select: every
-- ticket query plans it.

select *
from ticket_facts_stored
where received_at < $cutoff_at
