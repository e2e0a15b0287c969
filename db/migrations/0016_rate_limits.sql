-- An organisation's own API rate limit (requests a minute per user or API
-- client), set by its admins; an org without a row has LOOP_RATE_LIMIT.
CREATE TABLE rate_limits (
	org_id uuid PRIMARY KEY REFERENCES orgs(id),
	requests_per_minute integer NOT NULL CHECK (requests_per_minute BETWEEN 1 AND 1000000000),
	updated_at timestamptz NOT NULL DEFAULT now()
);
