-- A registration validated twice, by its link (here) and by its code (at a desk that was
-- offline): noted when the desk's validation arrives, so the service reissues one
-- temporary password that replaces both (central/src/validated_twice.rs). A row is kept
-- once handled (`reissued_at`), so a validation pushed again after a lost acknowledgement
-- reissues nothing more; nothing is noted once the affiliate chose their own password.
CREATE TABLE password_reissues (
    registration_id UUID PRIMARY KEY REFERENCES registrations (id),
    requested_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    reissued_at     TIMESTAMPTZ
);
-- The service reissues; offices only cause a row through their validation's trigger.
GRANT SELECT, UPDATE ON password_reissues TO registro_central;

CREATE FUNCTION note_validated_twice() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO password_reissues (registration_id)
    SELECT r.id
      FROM registrations r
      JOIN accounts a ON a.registration_id = r.id
     WHERE r.id = NEW.registration_id AND r.state = 'validada' AND r.validated_by = 'enlace'
       AND r.office_role = NEW.office_role AND a.must_change_password
    ON CONFLICT (registration_id) DO NOTHING;
    RETURN NEW;
END
$$;

CREATE TRIGGER registration_events_validated_twice AFTER INSERT ON registration_events
    FOR EACH ROW WHEN (NEW.kind = 'validado_en_ventanilla')
    EXECUTE FUNCTION note_validated_twice();
