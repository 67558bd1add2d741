-- The roster's insert trigger ran its body for every roster row, and that body (an
-- INSERT … SELECT into a table that has triggers of its own) opens a temporary table each
-- time, even when no registration has the affiliate: on a million-row import that was a
-- third of the import's time. Now the body runs only for an affiliate who has a
-- registration (one index probe for the rest), which is what the body would find anyway.
DROP TRIGGER registration_names_on_roster_insert;
CREATE TRIGGER registration_names_on_roster_insert AFTER INSERT ON roster_affiliates
WHEN EXISTS (SELECT 1 FROM registrations r WHERE r.affiliation_number = NEW.affiliation_number)
BEGIN
    INSERT INTO registration_names (registration_id, affiliation_number, search_name)
    SELECT r.id, r.affiliation_number, NEW.search_name
      FROM registrations r
     WHERE r.affiliation_number = NEW.affiliation_number
    ON CONFLICT (registration_id) DO UPDATE SET search_name = excluded.search_name;
END;

-- The same temporary table, once per registration saved: a registration is one affiliate's
-- one row, so it takes its name with a plain VALUES, only when the roster has the affiliate.
DROP TRIGGER registration_names_on_registration;
CREATE TRIGGER registration_names_on_registration AFTER INSERT ON registrations
WHEN EXISTS (SELECT 1 FROM roster_affiliates a WHERE a.affiliation_number = NEW.affiliation_number)
BEGIN
    INSERT INTO registration_names (registration_id, affiliation_number, search_name)
    VALUES (NEW.id, NEW.affiliation_number,
            (SELECT a.search_name FROM roster_affiliates a
              WHERE a.affiliation_number = NEW.affiliation_number));
END;
