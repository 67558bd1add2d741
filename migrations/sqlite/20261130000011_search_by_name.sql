-- «Buscar» by part of a name used `search_name LIKE '%…%'` over the roster joined to every
-- registration: no index can serve a pattern that starts with a wildcard, so one search read
-- the whole station (7.8–10.9 s at p99 over 100,000 registrations and a roster of 1,000,000).
-- Now the names of the affiliates who have a registration, and only theirs, sit in a trigram
-- full-text index, which finds any part of three characters or more from the index.

-- One row per registration whose affiliate is on the roster, numbered in the order the
-- station recorded them: the index returns the newest matches first and stops at the page
-- the desk shows, so a part that every name shares (a common surname) costs no more than a
-- rare one. `id` is an explicit INTEGER PRIMARY KEY because the index refers to rows by it,
-- and VACUUM (the backups use VACUUM INTO) renumbers implicit rowids.
CREATE TABLE registration_names (
    id                 INTEGER PRIMARY KEY,
    registration_id    TEXT NOT NULL UNIQUE,
    affiliation_number TEXT NOT NULL,
    -- the roster's `search_name`: lower case, without accents, single spaces
    search_name        TEXT NOT NULL
);
CREATE INDEX registration_names_by_affiliate ON registration_names (affiliation_number);

CREATE VIRTUAL TABLE registration_names_index USING fts5(
    search_name,
    content = 'registration_names',
    content_rowid = 'id',
    tokenize = 'trigram'
);

-- The index follows its table (SQLite's external-content pattern).
CREATE TRIGGER registration_names_indexed AFTER INSERT ON registration_names BEGIN
    INSERT INTO registration_names_index (rowid, search_name) VALUES (NEW.id, NEW.search_name);
END;
CREATE TRIGGER registration_names_unindexed AFTER DELETE ON registration_names BEGIN
    INSERT INTO registration_names_index (registration_names_index, rowid, search_name)
    VALUES ('delete', OLD.id, OLD.search_name);
END;
CREATE TRIGGER registration_names_reindexed AFTER UPDATE ON registration_names BEGIN
    INSERT INTO registration_names_index (registration_names_index, rowid, search_name)
    VALUES ('delete', OLD.id, OLD.search_name);
    INSERT INTO registration_names_index (rowid, search_name) VALUES (NEW.id, NEW.search_name);
END;

-- The table follows the registrations and the roster, whoever writes them (the desk, an
-- import, a pull from the central database, the demo roster retired): the database keeps it
-- right, not each writer. Each roster row costs one index probe when no registration has
-- its affiliate, so an import of a million new rows stays an import.
CREATE TRIGGER registration_names_on_registration AFTER INSERT ON registrations BEGIN
    INSERT INTO registration_names (registration_id, affiliation_number, search_name)
    SELECT NEW.id, a.affiliation_number, a.search_name
      FROM roster_affiliates a
     WHERE a.affiliation_number = NEW.affiliation_number;
END;
CREATE TRIGGER registration_names_on_registration_delete AFTER DELETE ON registrations BEGIN
    DELETE FROM registration_names WHERE registration_id = OLD.id;
END;
-- An affiliate registered before the roster had them (a pulled registration, say).
CREATE TRIGGER registration_names_on_roster_insert AFTER INSERT ON roster_affiliates BEGIN
    INSERT INTO registration_names (registration_id, affiliation_number, search_name)
    SELECT r.id, r.affiliation_number, NEW.search_name
      FROM registrations r
     WHERE r.affiliation_number = NEW.affiliation_number
    ON CONFLICT (registration_id) DO UPDATE SET search_name = excluded.search_name;
END;
CREATE TRIGGER registration_names_on_roster_update AFTER UPDATE OF search_name ON roster_affiliates
WHEN OLD.search_name IS NOT NEW.search_name
BEGIN
    UPDATE registration_names SET search_name = NEW.search_name
     WHERE affiliation_number = NEW.affiliation_number;
END;
CREATE TRIGGER registration_names_on_roster_delete AFTER DELETE ON roster_affiliates BEGIN
    DELETE FROM registration_names WHERE affiliation_number = OLD.affiliation_number;
END;

INSERT INTO registration_names (registration_id, affiliation_number, search_name)
SELECT r.id, r.affiliation_number, a.search_name
  FROM registrations r
  JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
 ORDER BY r.created_at, r.rowid;

-- Nothing searches the roster by name any more; the index only slowed every import.
DROP INDEX roster_by_search_name;
