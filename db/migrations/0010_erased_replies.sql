-- Erasure keeps a tombstone of each stored idempotent reply that quoted the
-- candidate (the body is emptied, the key and request hash stay), so a
-- retry of the original request cannot quietly re-create what was erased.
ALTER TABLE idempotency_keys ADD COLUMN erased_at timestamptz;
