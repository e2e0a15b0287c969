-- Issue 13, the API as integrators meet it.

-- Erasure keeps a tombstone of each stored idempotent reply that quoted the
-- candidate (the body is emptied, the key kept only as a hash), so a retry
-- of the original request cannot quietly re-create what was erased.
ALTER TABLE idempotency_keys ADD COLUMN erased_at timestamptz;

-- Incremental sync: ?updated_after= finds the few rows changed since the
-- last sync without walking the org (the lists stay in (created_at, id)
-- keyset order; ?order=desc reads the same indexes backwards).
CREATE INDEX candidates_updated ON candidates (org_id, updated_at);
CREATE INDEX loops_updated ON loops (org_id, updated_at);

-- GET /v1/rounds: the org's schedule in (starts_at, id) keyset order.
CREATE INDEX rounds_schedule ON rounds (org_id, starts_at, id) WHERE starts_at IS NOT NULL;
