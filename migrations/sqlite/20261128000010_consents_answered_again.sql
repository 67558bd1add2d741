-- An affiliate may answer a text again at a later visit (grant, then revoke, the grouping
-- consent on the same version): a consent is one row per answer, not one per text. The
-- latest answer (`decided_at`) is the one in force.
CREATE TABLE consents_new (
    id               TEXT PRIMARY KEY,
    registration_id  TEXT NOT NULL REFERENCES registrations (id),
    document_id      INTEGER NOT NULL REFERENCES legal_documents (id),
    document_kind    TEXT NOT NULL,
    document_version INTEGER NOT NULL,
    document_sha256  TEXT NOT NULL,
    accepted         INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    decided_at       TEXT NOT NULL,
    method           TEXT NOT NULL,
    clerk            TEXT NOT NULL,
    office           TEXT NOT NULL,
    workstation      TEXT NOT NULL
);
INSERT INTO consents_new (id, registration_id, document_id, document_kind, document_version,
                          document_sha256, accepted, decided_at, method, clerk, office, workstation)
SELECT id, registration_id, document_id, document_kind, document_version, document_sha256,
       accepted, decided_at, method, clerk, office, workstation
  FROM consents;
DROP TABLE consents;
ALTER TABLE consents_new RENAME TO consents;
CREATE INDEX consents_by_registration ON consents (registration_id, document_kind, decided_at);
