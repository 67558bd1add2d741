-- What must reach the central database, in order: every new or changed local fact,
-- pushed idempotently by its UUID (a repeat after a cut changes nothing).
CREATE TABLE sync_queue (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,        -- UUID of the pushed row (or event)
    entity          TEXT NOT NULL CHECK (entity IN ('documento', 'registro', 'consentimiento', 'token',
                                                    'cuenta', 'auditoria', 'evento')),
    registration_id TEXT,
    payload         TEXT NOT NULL,               -- JSON of the row as the central schema wants it
    state           TEXT NOT NULL DEFAULT 'pendiente'
                    CHECK (state IN ('pendiente', 'enviando', 'sincronizado', 'error', 'retenido')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    synced_at       TEXT
);
-- The push takes waiting rows in order; this index is exactly that list.
CREATE INDEX sync_queue_waiting ON sync_queue (seq) WHERE state IN ('pendiente', 'error');
CREATE INDEX sync_queue_by_registration ON sync_queue (registration_id);

-- Per-record sync state, as the clerk sees it.
ALTER TABLE registrations ADD COLUMN sync_state TEXT NOT NULL DEFAULT 'pendiente'
    CHECK (sync_state IN ('pendiente', 'enviando', 'sincronizado', 'error', 'conflicto'));
ALTER TABLE registrations ADD COLUMN sync_error TEXT;
