-- The grouping consent answered again at a later visit: a new consent row (offices may
-- insert consents of their own registrations) and an event that sets the answer in force.
ALTER TABLE registration_events DROP CONSTRAINT registration_events_kind_check;
ALTER TABLE registration_events ADD CONSTRAINT registration_events_kind_check
    CHECK (kind IN ('correo_corregido', 'validado_en_ventanilla', 'cancelado', 'expirado',
                    'token_agotado', 'contrasena_reemitida', 'agrupacion_respondida'));

CREATE OR REPLACE FUNCTION apply_registration_event() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    account jsonb := NEW.payload -> 'cuenta';
BEGIN
    IF NEW.kind = 'correo_corregido' THEN
        UPDATE registrations SET email = NEW.payload ->> 'email'
         WHERE id = NEW.registration_id AND state = 'pendiente_validacion';
    ELSIF NEW.kind = 'validado_en_ventanilla' THEN
        -- Validated here by its link while the desk, offline, validated it by code: two
        -- temporary passwords went out and the account holds the link's. The service
        -- issues a third, the only one, in an email that says it replaces the others
        -- (central/src/validated_twice.rs); not once the affiliate chose their own.
        INSERT INTO password_reissues (registration_id)
        SELECT r.id
          FROM registrations r
          JOIN accounts a ON a.registration_id = r.id
         WHERE r.id = NEW.registration_id AND r.state = 'validada' AND r.validated_by = 'enlace'
           AND r.office_role = NEW.office_role AND a.must_change_password
        ON CONFLICT (registration_id) DO NOTHING;
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
    ELSIF NEW.kind = 'agrupacion_respondida' THEN
        -- The grouping consent in force is the latest answer by its time, whichever
        -- station's answer arrives last; the consent rows came up before the event.
        UPDATE registrations r SET family_grouping = latest.accepted
          FROM (SELECT accepted FROM consents
                 WHERE registration_id = NEW.registration_id
                   AND document_kind = 'consentimiento_agrupacion'
                 ORDER BY decided_at DESC, id DESC LIMIT 1) latest
         WHERE r.id = NEW.registration_id AND r.office_role = NEW.office_role;
    ELSIF NEW.kind = 'contrasena_reemitida' THEN
        UPDATE accounts SET password_hash = NEW.payload ->> 'password_hash', must_change_password = TRUE,
               password_set_at = NEW.occurred_at
         WHERE registration_id = NEW.registration_id;
    END IF;
    RETURN NEW;
END
$$;
