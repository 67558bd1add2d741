-- Local working store of one workstation. Times are UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ'.
-- States and methods are stored in Spanish: they are what supervisors read in reports.

CREATE TABLE app_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Copy of the institute's roster of affiliates, for offline checks.
CREATE TABLE roster_affiliates (
    affiliation_number TEXT PRIMARY KEY,
    credential_serial  TEXT NOT NULL,
    full_name          TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('titular', 'beneficiario')),
    family_nucleus     TEXT NOT NULL,
    is_current         INTEGER NOT NULL CHECK (is_current IN (0, 1)),
    is_demo            INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    -- lower case without accents, for searching by name
    search_name        TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX roster_by_search_name ON roster_affiliates (search_name);

-- Legal texts exactly as shown; a published (kind, version) never changes.
CREATE TABLE legal_documents (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('aviso_integral', 'aviso_simplificado',
                                               'terminos_condiciones', 'consentimiento_agrupacion')),
    version      INTEGER NOT NULL CHECK (version > 0),
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    published_at TEXT NOT NULL,
    UNIQUE (kind, version)
);

CREATE TABLE registrations (
    id                 TEXT PRIMARY KEY,           -- UUID made on the workstation
    folio              TEXT NOT NULL UNIQUE,
    affiliation_number TEXT NOT NULL,
    phone_e164         TEXT NOT NULL,
    email              TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('pendiente_validacion', 'validada', 'activa',
                                                      'expirada', 'cancelada')),
    family_grouping    INTEGER NOT NULL CHECK (family_grouping IN (0, 1)),
    office             TEXT NOT NULL,
    workstation        TEXT NOT NULL,
    clerk              TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    validated_at       TEXT,
    closed_at          TEXT,                        -- expired or cancelled
    closed_reason      TEXT,
    updated_at         TEXT NOT NULL
);
-- At most one live registration per affiliate: the database, not only the code, says so.
CREATE UNIQUE INDEX registrations_one_live_per_affiliate
    ON registrations (affiliation_number)
    WHERE state IN ('pendiente_validacion', 'validada', 'activa');
CREATE INDEX registrations_by_affiliation ON registrations (affiliation_number);
CREATE INDEX registrations_by_email ON registrations (email);
CREATE INDEX registrations_pending_by_age ON registrations (created_at) WHERE state = 'pendiente_validacion';

-- One row per document shown at registration, accepted or refused: evidence of consent.
CREATE TABLE consents (
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
    workstation      TEXT NOT NULL,
    UNIQUE (registration_id, document_id)
);

-- Only hashes of the link token and of the code are kept.
CREATE TABLE validation_tokens (
    id              TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES registrations (id),
    link_sha256     TEXT NOT NULL UNIQUE,
    code_sha256     TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('activo', 'usado', 'agotado', 'reemplazado')),
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT
);
CREATE INDEX validation_tokens_by_registration ON validation_tokens (registration_id, created_at);

-- The online-services account created by validation; only the argon2id hash is kept.
CREATE TABLE accounts (
    registration_id      TEXT PRIMARY KEY REFERENCES registrations (id),
    username             TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL CHECK (must_change_password IN (0, 1)),
    password_set_at      TEXT NOT NULL
);

-- Emails waiting to be delivered. `secrets` holds, as a JSON object, the plaintexts the
-- bodies refer to by placeholder (temporary password, validation code and link token);
-- it is erased once the email is delivered or abandoned.
CREATE TABLE outbox_messages (
    id              TEXT PRIMARY KEY,
    registration_id TEXT REFERENCES registrations (id),
    kind            TEXT NOT NULL CHECK (kind IN ('validacion', 'contrasena_temporal')),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    secrets         TEXT,
    message_id      TEXT NOT NULL UNIQUE,           -- stable Message-ID header
    -- incierto: the worker stopped mid-delivery; it is not resent by itself (it may have
    -- left), the desk decides. cancelado: replaced by a newer email before delivery.
    state           TEXT NOT NULL CHECK (state IN ('en_cola', 'enviando', 'enviado', 'abandonado',
                                                   'incierto', 'cancelado')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    scrubbed_at     TEXT
);
CREATE INDEX outbox_due ON outbox_messages (state, next_attempt_at);
CREATE INDEX outbox_by_registration ON outbox_messages (registration_id, created_at);

CREATE TABLE outbox_attempts (
    id           INTEGER PRIMARY KEY,
    message_id   TEXT NOT NULL REFERENCES outbox_messages (id),
    attempted_at TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('enviado', 'error_temporal', 'error_permanente')),
    detail       TEXT
);

-- Wrong serials per affiliation number, and the lock they cause.
CREATE TABLE serial_lockouts (
    affiliation_number TEXT PRIMARY KEY,
    failures           INTEGER NOT NULL,
    last_failure_at    TEXT NOT NULL,
    locked_until       TEXT
) WITHOUT ROWID;

-- Staff of the office (capturistas and supervisors); only argon2id hashes are kept.
CREATE TABLE staff (
    username        TEXT PRIMARY KEY,
    full_name       TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('capturista', 'supervisor')),
    password_hash   TEXT NOT NULL,
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    created_at      TEXT NOT NULL
) WITHOUT ROWID;

-- Who did what, when, where. `detail` is JSON without personal data beyond identifiers.
CREATE TABLE audit_events (
    id                 TEXT PRIMARY KEY,
    occurred_at        TEXT NOT NULL,
    action             TEXT NOT NULL,
    registration_id    TEXT,
    affiliation_number TEXT,
    clerk              TEXT NOT NULL,
    office             TEXT NOT NULL,
    workstation        TEXT NOT NULL,
    detail             TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_by_time ON audit_events (occurred_at);
