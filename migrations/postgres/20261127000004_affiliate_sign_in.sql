-- The affiliate's own sign-in at the central service (the first one replaces the temporary
-- password and makes the registration `activa`) and the portal's verification API. The
-- guards against guessing live here, where every instance of the service sees them, and
-- run on this database's clock.

-- Failed sign-ins per username as typed. A username with no account is guarded exactly like
-- one with an account, so a lock never tells whether an account exists.
CREATE TABLE sign_in_guards (
    username         TEXT PRIMARY KEY,
    failures         INTEGER NOT NULL,
    first_failure_at TIMESTAMPTZ NOT NULL,
    lockouts         INTEGER NOT NULL DEFAULT 0,
    locked_until     TIMESTAMPTZ
);

-- Fixed windows of counted events: unknown links and failed sign-ins per client address,
-- calls per portal key. Rows older than a day are deleted by the service.
CREATE TABLE rate_limit_windows (
    bucket       TEXT NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

-- The keys the institute's portal presents (`registro-central --crear-clave-portal`). Only
-- their SHA-256 is kept: a key is 256 random bits, so a fast hash is enough and lets the
-- service find it by index.
CREATE TABLE portal_keys (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    key_sha256 TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX portal_keys_one_live_per_name ON portal_keys (name) WHERE revoked_at IS NULL;

-- Signing in looks an account up by its username (the affiliation number).
CREATE INDEX accounts_by_username ON accounts (username);

-- The service counts and forgets; it reads the keys but cannot make one (the owner does).
GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_guards, rate_limit_windows TO registro_central;
GRANT SELECT (id, name, key_sha256, revoked_at) ON portal_keys TO registro_central;

-- A new temporary password (a desk issued one, or a desk validated the registration) ends
-- any lock on its username: guesses at the old password no longer matter, and the
-- affiliate who asked at the desk can sign in at once.
CREATE FUNCTION clear_sign_in_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    DELETE FROM sign_in_guards WHERE username = NEW.username;
    RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION clear_sign_in_guard() FROM PUBLIC;
CREATE TRIGGER accounts_new_temporary_password_inserted AFTER INSERT ON accounts
    FOR EACH ROW EXECUTE FUNCTION clear_sign_in_guard();
CREATE TRIGGER accounts_new_temporary_password_set AFTER UPDATE OF password_hash ON accounts
    FOR EACH ROW WHEN (NEW.must_change_password AND NEW.password_hash IS DISTINCT FROM OLD.password_hash)
    EXECUTE FUNCTION clear_sign_in_guard();
