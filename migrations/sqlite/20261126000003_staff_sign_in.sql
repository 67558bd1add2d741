-- Clerk sign-in: an account opened or reset by a supervisor carries a password the
-- supervisor knows, so its holder must choose a new one at the next sign-in.
ALTER TABLE staff ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
    CHECK (must_change_password IN (0, 1));

-- When the account last changed (name, role, password, active): of two stations'
-- versions of one account, the newer wins. Failed attempts and locks stay per station.
ALTER TABLE staff ADD COLUMN changed_at TEXT NOT NULL DEFAULT '';
UPDATE staff SET changed_at = created_at;

-- Staff account versions travel through the sync queue too ('personal'). SQLite cannot
-- change a CHECK in place: the queue is rebuilt with the same rows and numbering.
CREATE TABLE sync_queue_new (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    entity          TEXT NOT NULL CHECK (entity IN ('documento', 'registro', 'consentimiento', 'token',
                                                    'cuenta', 'auditoria', 'evento', 'personal')),
    registration_id TEXT,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pendiente'
                    CHECK (state IN ('pendiente', 'enviando', 'sincronizado', 'error', 'retenido')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    synced_at       TEXT
);
INSERT INTO sync_queue_new SELECT * FROM sync_queue;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'sync_queue_new', seq FROM sqlite_sequence WHERE name = 'sync_queue';
DROP TABLE sync_queue;
ALTER TABLE sync_queue_new RENAME TO sync_queue;
CREATE INDEX sync_queue_waiting ON sync_queue (seq) WHERE state IN ('pendiente', 'error');
CREATE INDEX sync_queue_by_registration ON sync_queue (registration_id);
