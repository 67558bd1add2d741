-- A queued row's payload (its JSON, 300-600 bytes) never changes once queued (but for a
-- new folio, or an erasure), while its state changes at least twice (claimed, then
-- synced). Kept in the queue row, every push round rewrote each payload twice in the
-- encrypted database. It now lives in its own table, keyed by the queue row's seq, and
-- the push rewrites only the small state rows.
--
-- A queue row has exactly one payload, inserted with it. Nothing deletes queue rows
-- today; if something ever does, its payload goes with it.
CREATE TABLE sync_payloads (
    seq             INTEGER PRIMARY KEY REFERENCES sync_queue (seq) ON DELETE CASCADE,
    payload         TEXT NOT NULL                -- JSON of the row as the central schema wants it
);
INSERT INTO sync_payloads (seq, payload) SELECT seq, payload FROM sync_queue ORDER BY seq;
-- DROP COLUMN (not a rebuild of the table): the rows keep their seq, the numbering
-- (sqlite_sequence), the CHECKs and the indexes stay as they are.
ALTER TABLE sync_queue DROP COLUMN payload;
