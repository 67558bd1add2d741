-- When a registration's email and phone were erased (the rights of cancellation and
-- opposition, or the end of the retention period); both columns then hold ''.
ALTER TABLE registrations ADD COLUMN personal_data_erased_at TEXT;
