-- The push claims the next waiting rows of the queue except those of registrations held in
-- conflict. Asked row by row (NOT EXISTS on each row's registration) that cost 36-65 ms
-- for a round of 500 at the head of a long queue; asked once (NOT IN the few
-- registrations in conflict) it is one look at this index, which holds only those.
CREATE INDEX registrations_in_conflict ON registrations (id) WHERE sync_state = 'conflicto';
