-- The phone rectified at the desk (an ARCO rectification, approved by a supervisor): the
-- station sends an event with the new number, and this applies it to the registration
-- of the event's own office while it is not closed. Only an E.164 number of Mexico or
-- the +1 plan is taken; anything else leaves the row as it was.
ALTER TABLE registration_events DROP CONSTRAINT registration_events_kind_check;
ALTER TABLE registration_events ADD CONSTRAINT registration_events_kind_check
    CHECK (kind IN ('correo_corregido', 'validado_en_ventanilla', 'cancelado', 'expirado',
                    'token_agotado', 'contrasena_reemitida', 'agrupacion_respondida',
                    'telefono_corregido'));

CREATE FUNCTION apply_phone_rectified() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    UPDATE registrations SET phone_e164 = NEW.payload ->> 'telefono'
     WHERE id = NEW.registration_id AND office_role = NEW.office_role
       AND state NOT IN ('cancelada', 'expirada')
       AND NEW.payload ->> 'telefono' ~ '^\+(52[0-9]{10}|1[2-9][0-9]{9})$';
    RETURN NEW;
END
$$;

CREATE TRIGGER registration_events_phone_rectified AFTER INSERT ON registration_events
    FOR EACH ROW WHEN (NEW.kind = 'telefono_corregido')
    EXECUTE FUNCTION apply_phone_rectified();
