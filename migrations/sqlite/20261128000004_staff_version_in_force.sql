-- Which central version of each account this station has in force: a change made here
-- names it as the version it builds on, and the central database refuses a change built
-- on anything but the version in force (migrations/postgres/…_staff_authority.sql).
ALTER TABLE staff ADD COLUMN version_id TEXT;

-- Stations that synced before this knew no version ids: the next sync reads the office's
-- accounts again from the start to learn them (a few rows per office).
DELETE FROM app_meta WHERE key = 'central_staff_seq';
