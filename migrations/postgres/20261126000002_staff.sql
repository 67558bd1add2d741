-- Staff accounts travel between an office's stations as versions: every change at a
-- station is a new row (idempotent by id), and the newest version of a username wins.
-- Each station keeps its own copy, so signing in never needs the network. Offices see
-- only their own accounts.
CREATE TABLE staff_versions (
    id                   UUID PRIMARY KEY,
    username             TEXT NOT NULL,
    full_name            TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN ('capturista', 'supervisor')),
    password_hash        TEXT NOT NULL,
    active               BOOLEAN NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    changed_at           TIMESTAMPTZ NOT NULL,
    office_role          TEXT NOT NULL DEFAULT current_user,
    change_seq           BIGINT NOT NULL DEFAULT nextval('change_seq')
);
CREATE INDEX staff_versions_by_office_change ON staff_versions (office_role, change_seq);

ALTER TABLE staff_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY office_inserts_own ON staff_versions FOR INSERT TO registro_ventanilla
    WITH CHECK (office_role = current_user);
CREATE POLICY office_reads_own ON staff_versions FOR SELECT TO registro_ventanilla
    USING (office_role = current_user);
CREATE POLICY central_reads ON staff_versions FOR SELECT TO registro_central USING (TRUE);
GRANT SELECT, INSERT ON staff_versions TO registro_ventanilla;
GRANT SELECT ON staff_versions TO registro_central;
