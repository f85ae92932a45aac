-- Drop the audit table and make it anew; the trigger that writes to it
-- stays, and reads it again once it is back.
DROP TABLE audit;
CREATE TABLE audit (at integer, what text, note text);
