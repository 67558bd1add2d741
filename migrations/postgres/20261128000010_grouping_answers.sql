-- The grouping consent answered again at a later visit: a new consent row (offices may
-- insert consents of their own registrations) and an event that sets the answer in force.
ALTER TABLE registration_events DROP CONSTRAINT registration_events_kind_check;
ALTER TABLE registration_events ADD CONSTRAINT registration_events_kind_check
    CHECK (kind IN ('correo_corregido', 'validado_en_ventanilla', 'cancelado', 'expirado',
                    'token_agotado', 'contrasena_reemitida', 'agrupacion_respondida'));

-- The answer in force is the latest by its time, whichever station's answer arrives last;
-- the consent rows came up before the event.
CREATE FUNCTION apply_grouping_answer() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    UPDATE registrations r SET family_grouping = latest.accepted
      FROM (SELECT accepted FROM consents
             WHERE registration_id = NEW.registration_id
               AND document_kind = 'consentimiento_agrupacion'
             ORDER BY decided_at DESC, id DESC LIMIT 1) latest
     WHERE r.id = NEW.registration_id AND r.office_role = NEW.office_role;
    RETURN NEW;
END
$$;

CREATE TRIGGER registration_events_grouping_answer AFTER INSERT ON registration_events
    FOR EACH ROW WHEN (NEW.kind = 'agrupacion_respondida')
    EXECUTE FUNCTION apply_grouping_answer();
