-- One clock decides what the institute promises: the central database's. Stations move
-- the instants they push onto it with the offset measured in the same sync round; what
-- follows is the database's own guard, and an order that no station clock can bend.

-- The order of a registration's validation tokens (which one replaced which) is the order
-- they arrived here, not their stations' created_at. Existing rows keep their old order.
ALTER TABLE validation_tokens ADD COLUMN arrival_seq BIGINT;
UPDATE validation_tokens t SET arrival_seq = o.seq
  FROM (SELECT id, nextval('change_seq') AS seq
          FROM (SELECT id FROM validation_tokens ORDER BY created_at, id) AS ordered) AS o
 WHERE t.id = o.id;
ALTER TABLE validation_tokens ALTER COLUMN arrival_seq SET DEFAULT nextval('change_seq');
ALTER TABLE validation_tokens ALTER COLUMN arrival_seq SET NOT NULL;
CREATE INDEX validation_tokens_by_arrival ON validation_tokens (registration_id, arrival_seq);

-- A token is never born in the future by the central clock (a station whose clock was put
-- right between issuing and pushing): it is born on arrival and keeps its lifetime, so it
-- never lives longer than the lifetime the station gave it.
CREATE FUNCTION token_born_on_the_central_clock() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lifetime interval := NEW.expires_at - NEW.created_at;
BEGIN
    IF NEW.created_at > now() + interval '1 minute' THEN
        NEW.created_at := now();
        NEW.expires_at := now() + lifetime;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER validation_tokens_born_on_the_central_clock BEFORE INSERT ON validation_tokens
    FOR EACH ROW EXECUTE FUNCTION token_born_on_the_central_clock();
