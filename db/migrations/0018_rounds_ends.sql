-- Issue 11: GET /v1/scorecards/overdue walks the rounds of an org in the
-- order of their end (a scorecard is due a fixed time after it) and stops
-- at the page; it used to join every lead seat of the org and sort them
-- (592 377 buffers a page at the bench's large size). Not partial on the
-- status: a column in an index's predicate counts as indexed, so every
-- status change of a round (a submit completes it) became an update that
-- writes all of rounds' index entries again, not a heap-only one, and
-- scripts/bench submit fell from 0.70 to 0.21-0.26 of its baseline.
CREATE INDEX rounds_ends ON rounds (org_id, ends_at, id);
