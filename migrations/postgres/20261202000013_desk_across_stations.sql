-- «Buscar» across the stations. A station finds the registrations its office made at the
-- other stations, and a live registration of any office by the affiliation number or the
-- folio (what the affiliate at the desk holds: the credential or the receipt), with that
-- office's email masked. It asks for a new validation email or a new temporary password
-- with a request the central service carries out (central/src/desk_requests.rs): the email
-- goes from the institute's sender to the address on record, never to one the desk
-- types, so a desk of another office learns nothing and can redirect nothing. Correcting
-- the email and cancelling stay within the office, as the events they already were.

-- Names compared as the stations compare them (registro_core::domain::search_key):
-- lower case, no accents, single spaces. Upper-case accented letters are listed too, for
-- a database whose collation lowers ASCII only.
CREATE FUNCTION fold_name(name TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(
               translate(lower(name),
                         'áàäâéèëêíìïîóòöôúùüûñçÁÀÄÂÉÈËÊÍÌÏÎÓÒÖÔÚÙÜÛÑÇ',
                         'aaaaeeeeiiiioooouuuuncaaaaeeeeiiiioooouuuunc'),
               '\s+', ' ', 'g')
$$;

-- As registro_core's EmailAddress::masked: one or two letters, then `***@domain`.
CREATE FUNCTION mask_email(email TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN position('@' IN email) > 0
                THEN left(email, greatest(1, least(2, position('@' IN email) - 2))) || '***'
                     || substring(email FROM position('@' IN email))
                ELSE '***' END
$$;

CREATE FUNCTION search_across_stations(wanted_affiliation TEXT, wanted_folio TEXT,
                                       wanted_email TEXT, wanted_name TEXT, wanted_id UUID,
                                       max_rows INTEGER)
    RETURNS TABLE (id UUID, folio TEXT, affiliation_number TEXT, full_name TEXT, email TEXT,
                   state TEXT, created_at TIMESTAMPTZ, validated_at TIMESTAMPTZ,
                   closed_at TIMESTAMPTZ, office TEXT, workstation TEXT, own_office BOOLEAN,
                   has_account BOOLEAN, personal_data_erased BOOLEAN)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT r.id, r.folio, r.affiliation_number, a.full_name,
           CASE WHEN r.office_role = session_user THEN r.email ELSE mask_email(r.email) END,
           r.state, r.created_at, r.validated_at, r.closed_at, r.office, r.workstation,
           r.office_role = session_user, acc.registration_id IS NOT NULL,
           r.personal_data_erased_at IS NOT NULL
      FROM registrations r
      LEFT JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
      LEFT JOIN accounts acc ON acc.registration_id = r.id
     WHERE (r.office_role = session_user
            AND (r.affiliation_number = wanted_affiliation OR r.folio = wanted_folio
                 OR r.email = wanted_email OR r.id = wanted_id
                 OR (length(wanted_name) >= 3 AND strpos(fold_name(a.full_name), wanted_name) > 0)))
        OR (r.office_role <> session_user
            AND r.state IN ('pendiente_validacion', 'validada', 'activa')
            AND (r.affiliation_number = wanted_affiliation OR r.folio = wanted_folio
                 OR r.id = wanted_id))
     ORDER BY r.created_at DESC
     LIMIT least(max_rows, 100)
$$;
GRANT EXECUTE ON FUNCTION search_across_stations(TEXT, TEXT, TEXT, TEXT, UUID, INTEGER) TO registro_ventanilla;

CREATE TABLE desk_requests (
    id              UUID PRIMARY KEY,
    registration_id UUID NOT NULL REFERENCES registrations (id),
    kind            TEXT NOT NULL CHECK (kind IN ('reenviar_validacion', 'contrasena_temporal')),
    requested_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    clerk           TEXT NOT NULL,
    office          TEXT NOT NULL,
    workstation     TEXT NOT NULL,
    reason          TEXT,
    office_role     TEXT NOT NULL,
    handled_at      TIMESTAMPTZ,
    outcome         TEXT
);
CREATE INDEX desk_requests_waiting ON desk_requests (requested_at) WHERE handled_at IS NULL;
CREATE INDEX desk_requests_by_registration ON desk_requests (registration_id, kind, requested_at);
GRANT SELECT, UPDATE ON desk_requests TO registro_central;

-- The office's only way to ask: the registration must be in a state the request fits,
-- and one request of a kind per registration per minute (an affiliate's mailbox is not a
-- desk's to flood). Refusals are SQLSTATE P0001 with a tag the station turns into words.
CREATE FUNCTION request_from_desk(registration UUID, wanted TEXT, request_id UUID, clerk TEXT,
                                  office TEXT, workstation TEXT, reason TEXT)
    RETURNS VOID
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    target registrations%ROWTYPE;
BEGIN
    SELECT * INTO target FROM registrations WHERE id = registration FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'registro_inexistente' USING ERRCODE = 'P0001';
    END IF;
    IF wanted = 'reenviar_validacion' AND target.state <> 'pendiente_validacion' THEN
        RAISE EXCEPTION 'no_pendiente' USING ERRCODE = 'P0001';
    END IF;
    IF wanted = 'contrasena_temporal'
       AND (target.state NOT IN ('validada', 'activa')
            OR NOT EXISTS (SELECT 1 FROM accounts WHERE registration_id = registration)) THEN
        RAISE EXCEPTION 'sin_cuenta' USING ERRCODE = 'P0001';
    END IF;
    IF EXISTS (SELECT 1 FROM desk_requests d
                WHERE d.registration_id = registration AND d.kind = wanted
                  AND d.requested_at > now() - interval '1 minute') THEN
        RAISE EXCEPTION 'muy_pronto' USING ERRCODE = 'P0001';
    END IF;
    INSERT INTO desk_requests (id, registration_id, kind, clerk, office, workstation, reason, office_role)
    VALUES (request_id, registration, wanted, left(clerk, 120), left(office, 120),
            left(workstation, 120), left(reason, 500), session_user)
    ON CONFLICT (id) DO NOTHING;
    PERFORM pg_notify('desk_requests', request_id::text);
END
$$;
GRANT EXECUTE ON FUNCTION request_from_desk(UUID, TEXT, UUID, TEXT, TEXT, TEXT, TEXT) TO registro_ventanilla;

