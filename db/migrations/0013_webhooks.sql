-- Issue 15, webhooks: subscriptions, the transactional outbox of events and
-- one delivery per (event, subscription).

CREATE TABLE webhooks (
	org_id uuid NOT NULL REFERENCES orgs (id),
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
	events text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 32),
	description text CHECK (length(description) <= 500),
	secret text NOT NULL,
	-- the secret before the last rotation, still signing until previous_until
	previous_secret text,
	previous_until timestamptz,
	enabled boolean NOT NULL DEFAULT true,
	-- consecutive failed attempts, and since when they have been failing
	failures int NOT NULL DEFAULT 0,
	failing_since timestamptz,
	disabled_reason text,
	version int NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id)
);
CREATE INDEX webhooks_page ON webhooks (org_id, created_at, id);

-- The outbox: written in the transaction of the change it reports.
CREATE TABLE webhook_events (
	org_id uuid NOT NULL REFERENCES orgs (id),
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	type text NOT NULL,
	data jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id)
);

CREATE TABLE webhook_deliveries (
	org_id uuid NOT NULL,
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	webhook_id uuid NOT NULL,
	event_id uuid NOT NULL,
	status text NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'delivered', 'dead')),
	attempts int NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	last_attempt_at timestamptz,
	last_status_code int,
	last_latency_ms int,
	last_error text,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id),
	FOREIGN KEY (org_id, webhook_id) REFERENCES webhooks (org_id, id) ON DELETE CASCADE,
	FOREIGN KEY (org_id, event_id) REFERENCES webhook_events (org_id, id)
);
-- The workers' queue: due pending deliveries, oldest first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
	WHERE status = 'pending';
CREATE INDEX webhook_deliveries_page ON webhook_deliveries (org_id, webhook_id, created_at, id);

-- scorecard.overdue fires once per overdue scorecard: the sweep records
-- what it has reported (round, interviewer).
CREATE TABLE webhook_overdue_sent (
	org_id uuid NOT NULL,
	round_id uuid NOT NULL,
	interviewer_id uuid NOT NULL,
	PRIMARY KEY (org_id, round_id, interviewer_id)
);

-- Admins' first-party clients may carry the new scope (canonical order: last).
UPDATE clients SET scopes = scopes || ' webhooks:admin'
	WHERE first_party AND scopes LIKE '%users:admin%' AND scopes NOT LIKE '%webhooks:admin%';
