-- Reports («Reportes»). An office's account may read only a few columns of its own
-- registrations (not when or by whom they were taken) and none of its audit events, so
-- the figures come through one function that returns, per registration, only what a
-- report counts: desk, dates, state, and when a mail server first accepted the
-- validation email (the station's 'correo_validacion_entregado' audit event). It runs
-- as its owner and filters by the *session* user, which a login role cannot change:
-- an office sees its own office, whatever it asks. The whole institute is for members
-- of registro_informes (a login role the institute grants it to), never for an office.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registro_informes') THEN
        CREATE ROLE registro_informes NOLOGIN;
    END IF;
END
$$;

CREATE INDEX audit_events_validation_delivered ON audit_events (registration_id)
    WHERE action = 'correo_validacion_entregado';

CREATE FUNCTION report_facts(since TIMESTAMPTZ, whole_institute BOOLEAN)
    RETURNS TABLE (office TEXT, workstation TEXT, clerk TEXT, created_at TIMESTAMPTZ,
                   validated_at TIMESTAMPTZ, closed_at TIMESTAMPTZ, state TEXT,
                   first_sent_at TIMESTAMPTZ)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF whole_institute AND NOT pg_has_role(session_user, 'registro_informes', 'MEMBER') THEN
        RAISE EXCEPTION 'the whole institute''s report is for registro_informes'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY
        SELECT r.office, r.workstation, r.clerk, r.created_at, r.validated_at, r.closed_at,
               r.state,
               (SELECT min(a.occurred_at) FROM audit_events a
                 WHERE a.registration_id = r.id AND a.action = 'correo_validacion_entregado')
          FROM registrations r
         WHERE (whole_institute OR r.office_role = session_user)
           AND (r.created_at >= since OR r.validated_at >= since OR r.closed_at >= since);
END
$$;
REVOKE EXECUTE ON FUNCTION report_facts(TIMESTAMPTZ, BOOLEAN) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_facts(TIMESTAMPTZ, BOOLEAN) TO registro_ventanilla, registro_informes;
