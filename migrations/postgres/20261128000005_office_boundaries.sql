-- What an office may not do, refused by the database itself whatever a station sends
-- (README, «Partes centrales»): an office inserts only its own pending registrations, only
-- events, tokens and consents of its own registrations, never accounts (a desk
-- validation's account travels inside its 'validado_en_ventanilla' event and this
-- database's own trigger creates it), never legal texts (`registro-central --migrar`
-- publishes the ones the software embeds), and runs no function it was not granted.

-- A registration arrives pending, with nothing decided yet; every later state is an
-- event the database applies. Offices insert the columns a station sends, no others
-- (no change numbers, no validation or closing of their own).
DROP POLICY office_inserts_own ON registrations;
CREATE POLICY office_inserts_own ON registrations FOR INSERT TO registro_ventanilla
    WITH CHECK (office_role = current_user AND state = 'pendiente_validacion');
REVOKE INSERT ON registrations FROM registro_ventanilla;
GRANT INSERT (id, folio, affiliation_number, phone_e164, email, state, family_grouping, office,
              workstation, clerk, created_at)
    ON registrations TO registro_ventanilla;

-- Rows about a registration only for the office's own registrations (the foreign key
-- alone would accept another office's UUID: key checks ignore row-level security).
DROP POLICY office_inserts_own ON registration_events;
CREATE POLICY office_inserts_own ON registration_events FOR INSERT TO registro_ventanilla
    WITH CHECK (office_role = current_user
                AND EXISTS (SELECT 1 FROM registrations r
                             WHERE r.id = registration_id AND r.office_role = current_user));
DROP POLICY office_inserts_own ON validation_tokens;
CREATE POLICY office_inserts_own ON validation_tokens FOR INSERT TO registro_ventanilla
    WITH CHECK (office_role = current_user
                AND EXISTS (SELECT 1 FROM registrations r
                             WHERE r.id = registration_id AND r.office_role = current_user));
DROP POLICY office_inserts_own ON consents;
CREATE POLICY office_inserts_own ON consents FOR INSERT TO registro_ventanilla
    WITH CHECK (office_role = current_user
                AND EXISTS (SELECT 1 FROM registrations r
                             WHERE r.id = registration_id AND r.office_role = current_user));

-- No account rows from offices.
DROP POLICY office_inserts_own ON accounts;
REVOKE INSERT ON accounts FROM registro_ventanilla;

-- No legal texts from offices.
REVOKE INSERT ON legal_documents FROM registro_ventanilla;

-- A desk validation creates its account here, from the event: the username is the
-- registration's affiliation number, the password temporary, the office the
-- registration's. Rows queued by earlier versions as separate accounts arrive the same
-- way (the push wraps each in such an event).
CREATE OR REPLACE FUNCTION apply_registration_event() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    account jsonb := NEW.payload -> 'cuenta';
BEGIN
    IF NEW.kind = 'correo_corregido' THEN
        UPDATE registrations SET email = NEW.payload ->> 'email'
         WHERE id = NEW.registration_id AND state = 'pendiente_validacion';
    ELSIF NEW.kind = 'validado_en_ventanilla' THEN
        UPDATE registrations SET state = 'validada', validated_at = NEW.occurred_at, validated_by = 'ventanilla'
         WHERE id = NEW.registration_id AND state = 'pendiente_validacion';
        UPDATE validation_tokens SET state = 'usado', used_at = NEW.occurred_at
         WHERE registration_id = NEW.registration_id AND state = 'activo';
        IF jsonb_typeof(account -> 'password_hash') = 'string'
           AND account ->> 'password_hash' LIKE '$argon2id$%' THEN
            INSERT INTO accounts (registration_id, username, password_hash, must_change_password,
                                  password_set_at, office_role)
            SELECT r.id, r.affiliation_number, account ->> 'password_hash', TRUE, NEW.occurred_at,
                   r.office_role
              FROM registrations r
             WHERE r.id = NEW.registration_id AND r.state = 'validada'
               AND r.office_role = NEW.office_role
            ON CONFLICT (registration_id) DO NOTHING;
        END IF;
    ELSIF NEW.kind = 'cancelado' THEN
        UPDATE registrations SET state = 'cancelada', closed_at = NEW.occurred_at,
               closed_reason = NEW.payload ->> 'motivo'
         WHERE id = NEW.registration_id AND state NOT IN ('cancelada', 'expirada');
    ELSIF NEW.kind = 'expirado' THEN
        UPDATE registrations SET state = 'expirada', closed_at = NEW.occurred_at,
               closed_reason = NEW.payload ->> 'motivo'
         WHERE id = NEW.registration_id AND state = 'pendiente_validacion';
    ELSIF NEW.kind = 'token_agotado' THEN
        -- Only a token of the event's own registration: the payload names it, and this
        -- function runs with the owner's rights.
        UPDATE validation_tokens SET state = 'agotado'
         WHERE id = (NEW.payload ->> 'token_id')::uuid AND registration_id = NEW.registration_id
           AND state = 'activo';
    ELSIF NEW.kind = 'contrasena_reemitida' THEN
        UPDATE accounts SET password_hash = NEW.payload ->> 'password_hash', must_change_password = TRUE,
               password_set_at = NEW.occurred_at
         WHERE registration_id = NEW.registration_id;
    END IF;
    RETURN NEW;
END
$$;

-- Nobody runs a function of this schema unless granted: not now, not the ones later
-- migrations add (triggers fire without it). Offices may ask whether an affiliate has a
-- live registration anywhere, and nothing else.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
GRANT EXECUTE ON FUNCTION live_registration_of(TEXT) TO registro_ventanilla;
