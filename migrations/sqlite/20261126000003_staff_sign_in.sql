-- Clerk sign-in: an account opened or reset by a supervisor carries a password the
-- supervisor knows, so its holder must choose a new one at the next sign-in.
ALTER TABLE staff ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
    CHECK (must_change_password IN (0, 1));
