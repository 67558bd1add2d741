-- Central PostgreSQL: the institute's system of record. Workstations push their records
-- here (idempotent by UUID) and pull roster and state changes; the central validation
-- service validates links and sends the temporary-password email.
--
-- Roles (see README): registro_ventanilla is the group of the offices' login roles (one
-- login role per office; its name is the office's identity); registro_central is the
-- validation service. Row-level security keeps each office to its own rows.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registro_ventanilla') THEN
        CREATE ROLE registro_ventanilla NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registro_central') THEN
        CREATE ROLE registro_central NOLOGIN;
    END IF;
END
$$;

CREATE SEQUENCE change_seq;

CREATE TABLE roster_affiliates (
    affiliation_number TEXT PRIMARY KEY,
    credential_serial  TEXT NOT NULL,
    full_name          TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('titular', 'beneficiario')),
    family_nucleus     TEXT NOT NULL,
    is_current         BOOLEAN NOT NULL,
    change_seq         BIGINT NOT NULL DEFAULT nextval('change_seq'),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX roster_by_change ON roster_affiliates (change_seq);

CREATE TABLE legal_documents (
    kind         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, version)
);

CREATE TABLE registrations (
    id                 UUID PRIMARY KEY,
    folio              TEXT NOT NULL UNIQUE,
    affiliation_number TEXT NOT NULL,
    phone_e164         TEXT NOT NULL,
    email              TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('pendiente_validacion', 'validada', 'activa',
                                                      'expirada', 'cancelada')),
    family_grouping    BOOLEAN NOT NULL,
    office             TEXT NOT NULL,
    workstation        TEXT NOT NULL,
    clerk              TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    validated_at       TIMESTAMPTZ,
    validated_by       TEXT,
    closed_at          TIMESTAMPTZ,
    closed_reason      TEXT,
    office_role        TEXT NOT NULL DEFAULT current_user,
    change_seq         BIGINT NOT NULL DEFAULT nextval('change_seq'),
    received_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One live account per affiliate across every office: the conflict detector.
CREATE UNIQUE INDEX registrations_one_live_per_affiliate
    ON registrations (affiliation_number)
    WHERE state IN ('pendiente_validacion', 'validada', 'activa');
CREATE INDEX registrations_by_office_change ON registrations (office_role, change_seq);

CREATE TABLE consents (
    id               UUID PRIMARY KEY,
    registration_id  UUID NOT NULL REFERENCES registrations (id),
    document_kind    TEXT NOT NULL,
    document_version INTEGER NOT NULL,
    document_sha256  TEXT NOT NULL,
    accepted         BOOLEAN NOT NULL,
    decided_at       TIMESTAMPTZ NOT NULL,
    method           TEXT NOT NULL,
    clerk            TEXT NOT NULL,
    office           TEXT NOT NULL,
    workstation      TEXT NOT NULL,
    office_role      TEXT NOT NULL DEFAULT current_user
);

CREATE TABLE validation_tokens (
    id              UUID PRIMARY KEY,
    registration_id UUID NOT NULL REFERENCES registrations (id),
    link_sha256     TEXT NOT NULL UNIQUE,
    code_sha256     TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('activo', 'usado', 'agotado', 'reemplazado')),
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    used_at         TIMESTAMPTZ,
    office_role     TEXT NOT NULL DEFAULT current_user
);
CREATE INDEX validation_tokens_by_registration ON validation_tokens (registration_id, created_at);

CREATE TABLE accounts (
    registration_id      UUID PRIMARY KEY REFERENCES registrations (id),
    username             TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    password_set_at      TIMESTAMPTZ NOT NULL,
    office_role          TEXT NOT NULL DEFAULT current_user
);

CREATE TABLE audit_events (
    id                 UUID PRIMARY KEY,
    occurred_at        TIMESTAMPTZ NOT NULL,
    action             TEXT NOT NULL,
    registration_id    UUID,
    affiliation_number TEXT,
    clerk              TEXT NOT NULL,
    office             TEXT NOT NULL,
    workstation        TEXT NOT NULL,
    detail             JSONB NOT NULL,
    office_role        TEXT NOT NULL DEFAULT current_user
);

-- Changes a workstation made to its own records, as facts to append; the database
-- applies them (the workstation itself cannot UPDATE anything).
CREATE TABLE registration_events (
    id              UUID PRIMARY KEY,
    registration_id UUID NOT NULL REFERENCES registrations (id),
    kind            TEXT NOT NULL CHECK (kind IN ('correo_corregido', 'validado_en_ventanilla',
                                                  'cancelado', 'expirado', 'token_agotado',
                                                  'contrasena_reemitida')),
    payload         JSONB NOT NULL,
    occurred_at     TIMESTAMPTZ NOT NULL,
    office_role     TEXT NOT NULL DEFAULT current_user
);

-- The central service's own email outbox.
CREATE TABLE outbox_messages (
    id              UUID PRIMARY KEY,
    registration_id UUID REFERENCES registrations (id),
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    secrets         JSONB,
    message_id      TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL CHECK (state IN ('en_cola', 'enviando', 'enviado', 'abandonado', 'incierto')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_until   TIMESTAMPTZ,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox_messages (state, next_attempt_at);

CREATE TABLE outbox_attempts (
    id           BIGSERIAL PRIMARY KEY,
    message_id   UUID NOT NULL REFERENCES outbox_messages (id),
    attempted_at TIMESTAMPTZ NOT NULL,
    outcome      TEXT NOT NULL,
    detail       TEXT
);

-- Every update of a registration gets a new change number, which workstations pull by.
CREATE FUNCTION bump_change_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_seq := nextval('change_seq');
    RETURN NEW;
END
$$;
CREATE TRIGGER registrations_change BEFORE UPDATE ON registrations
    FOR EACH ROW EXECUTE FUNCTION bump_change_seq();
CREATE TRIGGER roster_change BEFORE UPDATE ON roster_affiliates
    FOR EACH ROW EXECUTE FUNCTION bump_change_seq();

-- Applies a workstation's event to its registration, with the owner's rights.
CREATE FUNCTION apply_registration_event() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF NEW.kind = 'correo_corregido' THEN
        UPDATE registrations SET email = NEW.payload ->> 'email'
         WHERE id = NEW.registration_id AND state = 'pendiente_validacion';
    ELSIF NEW.kind = 'validado_en_ventanilla' THEN
        UPDATE registrations SET state = 'validada', validated_at = NEW.occurred_at, validated_by = 'ventanilla'
         WHERE id = NEW.registration_id AND state = 'pendiente_validacion';
        UPDATE validation_tokens SET state = 'usado', used_at = NEW.occurred_at
         WHERE registration_id = NEW.registration_id AND state = 'activo';
    ELSIF NEW.kind = 'cancelado' THEN
        UPDATE registrations SET state = 'cancelada', closed_at = NEW.occurred_at,
               closed_reason = NEW.payload ->> 'motivo'
         WHERE id = NEW.registration_id AND state NOT IN ('cancelada', 'expirada');
    ELSIF NEW.kind = 'expirado' THEN
        UPDATE registrations SET state = 'expirada', closed_at = NEW.occurred_at,
               closed_reason = NEW.payload ->> 'motivo'
         WHERE id = NEW.registration_id AND state = 'pendiente_validacion';
    ELSIF NEW.kind = 'token_agotado' THEN
        UPDATE validation_tokens SET state = 'agotado'
         WHERE id = (NEW.payload ->> 'token_id')::uuid AND state = 'activo';
    ELSIF NEW.kind = 'contrasena_reemitida' THEN
        UPDATE accounts SET password_hash = NEW.payload ->> 'password_hash', must_change_password = TRUE,
               password_set_at = NEW.occurred_at
         WHERE registration_id = NEW.registration_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER registration_events_apply AFTER INSERT ON registration_events
    FOR EACH ROW EXECUTE FUNCTION apply_registration_event();

-- What a workstation may know about another office's account for the same affiliate:
-- that it exists, its folio, state and office. Nothing else crosses offices.
CREATE FUNCTION live_registration_of(affiliation TEXT)
    RETURNS TABLE (folio TEXT, state TEXT, office TEXT, created_at TIMESTAMPTZ)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT folio, state, office, created_at FROM registrations
     WHERE affiliation_number = affiliation
       AND state IN ('pendiente_validacion', 'validada', 'activa');
$$;

-- Offices: insert their own rows, read their own rows and the roster; nothing more.
ALTER TABLE registrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE validation_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE registration_events ENABLE ROW LEVEL SECURITY;

CREATE POLICY office_inserts_own ON registrations FOR INSERT TO registro_ventanilla WITH CHECK (office_role = current_user);
CREATE POLICY office_reads_own ON registrations FOR SELECT TO registro_ventanilla USING (office_role = current_user);
CREATE POLICY office_inserts_own ON consents FOR INSERT TO registro_ventanilla WITH CHECK (office_role = current_user);
CREATE POLICY office_inserts_own ON validation_tokens FOR INSERT TO registro_ventanilla WITH CHECK (office_role = current_user);
CREATE POLICY office_inserts_own ON accounts FOR INSERT TO registro_ventanilla WITH CHECK (office_role = current_user);
CREATE POLICY office_inserts_own ON audit_events FOR INSERT TO registro_ventanilla WITH CHECK (office_role = current_user);
CREATE POLICY office_inserts_own ON registration_events FOR INSERT TO registro_ventanilla WITH CHECK (office_role = current_user);
-- An idempotent insert (ON CONFLICT) must be able to "see" its own new row; offices see
-- only their own rows, and only the key columns granted below.
CREATE POLICY office_reads_own ON consents FOR SELECT TO registro_ventanilla USING (office_role = current_user);
CREATE POLICY office_reads_own ON validation_tokens FOR SELECT TO registro_ventanilla USING (office_role = current_user);
CREATE POLICY office_reads_own ON accounts FOR SELECT TO registro_ventanilla USING (office_role = current_user);
CREATE POLICY office_reads_own ON audit_events FOR SELECT TO registro_ventanilla USING (office_role = current_user);
CREATE POLICY office_reads_own ON registration_events FOR SELECT TO registro_ventanilla USING (office_role = current_user);
-- The central service sees and updates everything it needs.
CREATE POLICY central_all ON registrations TO registro_central USING (TRUE) WITH CHECK (TRUE);
CREATE POLICY central_all ON consents TO registro_central USING (TRUE) WITH CHECK (TRUE);
CREATE POLICY central_all ON validation_tokens TO registro_central USING (TRUE) WITH CHECK (TRUE);
CREATE POLICY central_all ON accounts TO registro_central USING (TRUE) WITH CHECK (TRUE);
CREATE POLICY central_all ON audit_events TO registro_central USING (TRUE) WITH CHECK (TRUE);
CREATE POLICY central_all ON registration_events TO registro_central USING (TRUE) WITH CHECK (TRUE);

GRANT USAGE ON SCHEMA public TO registro_ventanilla, registro_central;
GRANT SELECT ON roster_affiliates, legal_documents TO registro_ventanilla;
GRANT INSERT ON legal_documents TO registro_ventanilla;
GRANT INSERT ON registrations, consents, validation_tokens, accounts, audit_events, registration_events
    TO registro_ventanilla;
GRANT SELECT (id, state, email, validated_at, validated_by, closed_at, closed_reason, change_seq, office_role)
    ON registrations TO registro_ventanilla;
-- INSERT ... ON CONFLICT (the idempotent push) needs to read the key column; row-level
-- security still shows an office none of these rows.
GRANT SELECT (id) ON consents, validation_tokens, audit_events, registration_events TO registro_ventanilla;
GRANT SELECT (registration_id) ON accounts TO registro_ventanilla;
GRANT EXECUTE ON FUNCTION live_registration_of(TEXT) TO registro_ventanilla;

GRANT SELECT ON roster_affiliates, legal_documents TO registro_central;
GRANT SELECT, INSERT, UPDATE ON registrations, validation_tokens, accounts, outbox_messages TO registro_central;
GRANT INSERT ON audit_events TO registro_central;
GRANT SELECT, INSERT ON outbox_attempts TO registro_central;
GRANT USAGE ON SEQUENCE change_seq, outbox_attempts_id_seq TO registro_central;
GRANT USAGE ON SEQUENCE change_seq TO registro_ventanilla;
