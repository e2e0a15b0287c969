-- Issue 11: GET /v1/scorecards/overdue walks the held rounds of an org in
-- the order of their end (a scorecard is due a fixed time after it) and
-- stops at the page; it used to join every lead seat of the org and sort
-- them (592 377 buffers a page at the bench's large size).
CREATE INDEX rounds_ends ON rounds (org_id, ends_at, id) WHERE status IN ('scheduled', 'completed');
