-- A folio drawn again because another station's registration already had it in the
-- central database (core/src/sync/push.rs): the first one, printed on the affiliate's
-- receipt and in the first validation email, still finds the registration at this desk.
CREATE TABLE previous_folios (
    folio           TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES registrations (id)
);
