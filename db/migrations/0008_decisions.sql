-- Decision policies (versioned per org), hire decisions, and the
-- interviewer statistics the decision packet calibrates with.

-- One row per policy version an org PUT. An org with no row reads the
-- built-in defaults as version 1, so the first stored version is 2.
CREATE TABLE decision_policies (
	org_id uuid NOT NULL REFERENCES orgs(id),
	version integer NOT NULL CHECK (version >= 2),
	hire_threshold numeric(3, 2) NOT NULL CHECK (hire_threshold BETWEEN 1 AND 4),
	max_split integer NOT NULL CHECK (max_split BETWEEN 0 AND 3),
	shrinkage_k double precision NOT NULL CHECK (shrinkage_k BETWEEN 0 AND 1000),
	count_shadows boolean NOT NULL,
	critical_flag_blocks boolean NOT NULL,
	bar_raiser_no_blocks boolean NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, version)
);

-- A policy version's weight per round kind (kinds not listed weigh 1).
CREATE TABLE decision_policy_round_weights (
	org_id uuid NOT NULL,
	version integer NOT NULL,
	kind text NOT NULL,
	weight double precision NOT NULL CHECK (weight > 0 AND weight <= 100),
	PRIMARY KEY (org_id, version, kind),
	FOREIGN KEY (org_id, version) REFERENCES decision_policies (org_id, version)
);

-- The hiring manager's decision: one per loop. The packet's
-- recommendation, score and policy version are kept as they were at that
-- moment. rationale and override_justification are cleared when the
-- candidate is erased (erased_at set).
CREATE TABLE decisions (
	org_id uuid NOT NULL REFERENCES orgs(id),
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	loop_id uuid NOT NULL,
	outcome text NOT NULL CHECK (outcome IN ('hire', 'no_hire')),
	rationale text,
	override boolean NOT NULL,
	override_justification text,
	packet_recommendation text NOT NULL CHECK (packet_recommendation IN
		('hire', 'no_hire', 'needs_debrief', 'incomplete')),
	packet_score numeric(4, 2),
	policy_version integer NOT NULL,
	loop_status text NOT NULL,	-- the loop's status when decided
	decided_by uuid NOT NULL,
	erased_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id),
	UNIQUE (org_id, loop_id),
	FOREIGN KEY (org_id, loop_id) REFERENCES loops (org_id, id),
	FOREIGN KEY (org_id, decided_by) REFERENCES users (org_id, id),
	CHECK (erased_at IS NOT NULL OR rationale IS NOT NULL),
	CHECK (NOT override OR erased_at IS NOT NULL OR override_justification IS NOT NULL)
);

-- Each interviewer's accumulated history: n loops, and the sum of their
-- deviations from their co-panelists (the engine's calibration input).
CREATE TABLE interviewer_stats (
	org_id uuid NOT NULL,
	user_id uuid NOT NULL,
	n bigint NOT NULL CHECK (n >= 0),
	sum_deviation double precision NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, user_id),
	FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);

-- What one loop added to interviewer_stats: the key makes the addition
-- happen at most once per loop and interviewer.
CREATE TABLE interviewer_contributions (
	org_id uuid NOT NULL,
	loop_id uuid NOT NULL,
	user_id uuid NOT NULL,
	n bigint NOT NULL,
	deviation double precision NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, loop_id, user_id),
	FOREIGN KEY (org_id, loop_id) REFERENCES loops (org_id, id),
	FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
