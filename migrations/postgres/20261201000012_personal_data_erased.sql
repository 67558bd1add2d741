-- A station erased a registration's contact data (the affiliate's right of cancellation
-- or opposition, or the end of the retention period): the same here, for a registration
-- of the event's own office. A live registration is cancelled; its account, active
-- links and the central outbox's copies of its emails go. Folio, affiliation number,
-- dates, consents and audit events stay: they are the institute's evidence.
ALTER TABLE registration_events DROP CONSTRAINT registration_events_kind_check;
ALTER TABLE registration_events ADD CONSTRAINT registration_events_kind_check
    CHECK (kind IN ('correo_corregido', 'validado_en_ventanilla', 'cancelado', 'expirado',
                    'token_agotado', 'contrasena_reemitida', 'agrupacion_respondida',
                    'telefono_corregido', 'datos_suprimidos'));

ALTER TABLE registrations ADD COLUMN personal_data_erased_at TIMESTAMPTZ;

CREATE FUNCTION apply_personal_data_erased() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM registrations
                    WHERE id = NEW.registration_id AND office_role = NEW.office_role) THEN
        RETURN NEW;
    END IF;
    UPDATE registrations
       SET email = '', phone_e164 = '', personal_data_erased_at = NEW.occurred_at,
           state = CASE WHEN state IN ('pendiente_validacion', 'validada', 'activa')
                        THEN 'cancelada' ELSE state END,
           closed_at = COALESCE(closed_at, NEW.occurred_at),
           closed_reason = COALESCE(closed_reason, 'Datos personales suprimidos')
     WHERE id = NEW.registration_id;
    DELETE FROM accounts WHERE registration_id = NEW.registration_id;
    UPDATE validation_tokens SET state = 'reemplazado'
     WHERE registration_id = NEW.registration_id AND state = 'activo';
    UPDATE outbox_messages
       SET recipient = '', subject = '', body_text = '', body_html = '', secrets = NULL,
           state = CASE WHEN state IN ('en_cola', 'enviando') THEN 'abandonado' ELSE state END
     WHERE registration_id = NEW.registration_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER registration_events_personal_data_erased AFTER INSERT ON registration_events
    FOR EACH ROW WHEN (NEW.kind = 'datos_suprimidos')
    EXECUTE FUNCTION apply_personal_data_erased();
