-- Representations move out of the database: api/ renders the rows db/
-- reads, so the HTTP contract lives in the code that serves it (a rolling
-- deploy no longer changes what an older binary returns), and reads are
-- flat statements instead of SQL functions planned on every call. What
-- stays in SQL is set logic; its helper functions live in db/functions.sql,
-- re-applied at every start-up.
DROP FUNCTION loop_json(loops, boolean, uuid, boolean);
DROP FUNCTION round_json(rounds);
DROP FUNCTION candidate_json(candidates, boolean);
DROP FUNCTION loop_effective_status(text, uuid, uuid);
DROP FUNCTION ts(timestamptz);
