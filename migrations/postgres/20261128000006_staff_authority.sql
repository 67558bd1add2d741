-- Staff accounts have one authority: the central database. A station may add a version of
-- an account only
--   * as an active supervisor of its office (`changed_by`), building on the version in
--     force (`previous_id`), so a station that never saw an account cannot overwrite it;
--   * as the account's own holder changing only their password (name, role and state as
--     in force);
--   * or, once, to enrol the office's first supervisor while the office has no account.
-- So an empty data folder whose "first supervisor" reuses an existing username (or invents
-- a new one) changes nothing at the office's other stations: the version is refused here
-- and the station takes the central one back. Versions from before this rule have no
-- `changed_by`; they stay as history.
ALTER TABLE staff_versions ADD COLUMN changed_by TEXT;
ALTER TABLE staff_versions ADD COLUMN previous_id UUID;

-- Not SECURITY DEFINER: it reads what the inserting office may read (its own accounts,
-- by row-level security), which is all it needs.
CREATE FUNCTION check_staff_version() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    in_force staff_versions;
    actor staff_versions;
    params text[];
BEGIN
    -- A version pushed again after a lost acknowledgement: ON CONFLICT skips it.
    IF EXISTS (SELECT 1 FROM staff_versions WHERE id = NEW.id) THEN
        RETURN NEW;
    END IF;
    -- Two stations of one office judge their versions one after the other.
    PERFORM pg_advisory_xact_lock(hashtext('staff_versions:' || NEW.office_role));
    IF NEW.changed_by IS NULL THEN
        RAISE EXCEPTION 'una versión de cuenta debe decir quién la hizo'
            USING ERRCODE = '42501';
    END IF;
    -- The cost any station pays to verify this hash at sign-in: argon2id, at most 64 MiB,
    -- 10 passes and 4 lanes (what `security::stored_hash_is_acceptable` accepts).
    params := regexp_match(NEW.password_hash,
                           '^\$argon2id\$v=19\$m=([0-9]{1,6}),t=([0-9]{1,2}),p=([0-9]{1,2})\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$');
    IF params IS NULL OR params[1]::int > 65536 OR params[2]::int > 10 OR params[3]::int > 4 THEN
        RAISE EXCEPTION 'la contraseña de la cuenta % no es un hash argon2id de costo acotado', NEW.username
            USING ERRCODE = '42501';
    END IF;
    SELECT * INTO in_force FROM staff_versions
     WHERE office_role = NEW.office_role AND username = NEW.username
     ORDER BY change_seq DESC LIMIT 1;
    SELECT * INTO actor FROM staff_versions
     WHERE office_role = NEW.office_role AND username = NEW.changed_by
     ORDER BY change_seq DESC LIMIT 1;
    IF in_force.id IS NULL THEN
        IF NOT EXISTS (SELECT 1 FROM staff_versions WHERE office_role = NEW.office_role) THEN
            IF NEW.changed_by = NEW.username AND NEW.role = 'supervisor' AND NEW.active THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'la primera cuenta de una oficina es la de su supervisor'
                USING ERRCODE = '42501';
        END IF;
        IF actor.active AND actor.role = 'supervisor' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'solo un supervisor activo de la oficina abre cuentas (la oficina ya tiene cuentas; % no es una de sus supervisoras activas)', NEW.changed_by
            USING ERRCODE = '42501';
    END IF;
    IF NEW.previous_id IS DISTINCT FROM in_force.id THEN
        RAISE EXCEPTION 'la cuenta % cambió en la base central desde la versión que vio la estación', NEW.username
            USING ERRCODE = '42501';
    END IF;
    IF actor.active AND actor.role = 'supervisor' THEN
        RETURN NEW;
    END IF;
    IF NEW.changed_by = NEW.username AND in_force.active AND NEW.active
       AND NEW.role = in_force.role AND NEW.full_name = in_force.full_name THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'solo un supervisor activo de la oficina cambia la cuenta %', NEW.username
        USING ERRCODE = '42501';
END $$;
REVOKE EXECUTE ON FUNCTION check_staff_version() FROM PUBLIC;

CREATE TRIGGER staff_version_has_authority BEFORE INSERT ON staff_versions
    FOR EACH ROW EXECUTE FUNCTION check_staff_version();
