-- Candidates, loops, rounds, interviewer bookings, idempotency keys and
-- calendar feed tokens.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE candidates (
	org_id uuid NOT NULL REFERENCES orgs(id),
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	name text NOT NULL,
	email text,			-- NULL once erased
	phone text,
	source text,
	notes text,
	erased_at timestamptz,
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id),
	CHECK (erased_at IS NOT NULL OR email IS NOT NULL)
);
CREATE UNIQUE INDEX candidates_email ON candidates (org_id, lower(email)) WHERE erased_at IS NULL;
CREATE INDEX candidates_page ON candidates (org_id, created_at, id);
-- Prefix search on name or email: range scans in the "C" collation.
CREATE INDEX candidates_name_prefix ON candidates (org_id, (lower(name) COLLATE "C"))
	WHERE erased_at IS NULL;
CREATE INDEX candidates_email_prefix ON candidates (org_id, (lower(email) COLLATE "C"))
	WHERE erased_at IS NULL;

CREATE TABLE loops (
	org_id uuid NOT NULL REFERENCES orgs(id),
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	candidate_id uuid NOT NULL,
	position text NOT NULL,
	recruiter_id uuid NOT NULL,
	hiring_manager_id uuid NOT NULL,
	status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'in_progress',
		'awaiting_decision', 'decided', 'cancelled')),
	cancel_reason text,
	template text,
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id),
	FOREIGN KEY (org_id, candidate_id) REFERENCES candidates (org_id, id),
	FOREIGN KEY (org_id, recruiter_id) REFERENCES users (org_id, id),
	FOREIGN KEY (org_id, hiring_manager_id) REFERENCES users (org_id, id)
);
CREATE INDEX loops_page ON loops (org_id, created_at, id);
CREATE INDEX loops_status ON loops (org_id, status, created_at, id);
CREATE INDEX loops_candidate ON loops (org_id, candidate_id, created_at, id);
CREATE INDEX loops_hiring_manager ON loops (org_id, hiring_manager_id, created_at, id);
CREATE INDEX loops_recruiter ON loops (org_id, recruiter_id, created_at, id);

CREATE TABLE rounds (
	org_id uuid NOT NULL REFERENCES orgs(id),
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	loop_id uuid NOT NULL,
	kind text NOT NULL,
	rubric_id uuid NOT NULL REFERENCES rubrics(id),
	rubric_key text NOT NULL,
	rubric_version integer NOT NULL,
	required boolean NOT NULL DEFAULT true,
	starts_at timestamptz,
	ends_at timestamptz,
	location text,
	status text NOT NULL CHECK (status IN ('unscheduled', 'scheduled', 'completed',
		'cancelled', 'no_show')),
	sequence integer NOT NULL DEFAULT 0,	-- iCalendar SEQUENCE: grows on each reschedule
	ordinal bigint GENERATED ALWAYS AS IDENTITY,	-- creation order (a template's order)
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id),
	FOREIGN KEY (org_id, loop_id) REFERENCES loops (org_id, id),
	CHECK ((starts_at IS NULL) = (ends_at IS NULL)),
	CHECK (ends_at > starts_at AND ends_at <= starts_at + interval '8 hours'),
	CHECK (status IN ('unscheduled', 'cancelled') OR starts_at IS NOT NULL)
);
CREATE INDEX rounds_loop ON rounds (org_id, loop_id, created_at, id);

-- Who interviews in a round. "during" copies the round's time while the
-- round is booked (NULL when unscheduled or cancelled), so the exclusion
-- constraint refuses double bookings even across loopd instances.
CREATE TABLE round_interviewers (
	org_id uuid NOT NULL,
	round_id uuid NOT NULL,
	user_id uuid NOT NULL,
	loop_id uuid NOT NULL,
	role text NOT NULL CHECK (role IN ('lead', 'shadow', 'bar_raiser')),
	during tstzrange,
	released boolean NOT NULL DEFAULT false,	-- the round was cancelled
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, round_id, user_id),
	FOREIGN KEY (org_id, round_id) REFERENCES rounds (org_id, id) ON DELETE CASCADE,
	FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id),
	CONSTRAINT round_interviewers_no_double_booking
		EXCLUDE USING gist (org_id WITH =, user_id WITH =, during WITH &&)
		WHERE (during IS NOT NULL)
);
CREATE INDEX round_interviewers_user ON round_interviewers (org_id, user_id);
CREATE INDEX round_interviewers_loop ON round_interviewers (org_id, loop_id);
-- At most one bar raiser per loop (among rounds that are not cancelled).
CREATE UNIQUE INDEX round_interviewers_one_bar_raiser ON round_interviewers (org_id, loop_id)
	WHERE role = 'bar_raiser' AND NOT released;

-- Idempotency-Key: one row per (org, caller, key) for 24 hours, written in
-- the same transaction as the work it records.
CREATE TABLE idempotency_keys (
	org_id uuid NOT NULL REFERENCES orgs(id),
	caller_id uuid NOT NULL,
	key text NOT NULL,
	request_hash text NOT NULL,
	status integer NOT NULL,
	content_type text,
	headers text NOT NULL,		-- JSON object: Location, ETag
	body text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, caller_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

-- Calendar feed URLs carry a secret token; only its SHA-256 is kept.
ALTER TABLE users ADD COLUMN calendar_token_hash text UNIQUE;

-- A loop's status as its rounds drive it: all non-cancelled rounds
-- completed -> awaiting_decision; any round started or done ->
-- in_progress; any scheduled -> scheduled; else draft. decided and
-- cancelled are final. Called after every change to a loop's rounds.
CREATE FUNCTION loop_sync_status(p_org uuid, p_loop uuid) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	cur text;
	new_status text;
	n_active int;
	n_done int;
	n_scheduled int;
	n_started int;
BEGIN
	SELECT status INTO cur FROM loops WHERE org_id = p_org AND id = p_loop FOR UPDATE;
	IF cur IN ('decided', 'cancelled') THEN
		RETURN cur;
	END IF;
	SELECT count(*) FILTER (WHERE status NOT IN ('cancelled', 'no_show')),
	       count(*) FILTER (WHERE status = 'completed'),
	       count(*) FILTER (WHERE status = 'scheduled'),
	       count(*) FILTER (WHERE status IN ('completed', 'no_show')
				OR (status = 'scheduled' AND starts_at <= now()))
	  INTO n_active, n_done, n_scheduled, n_started
	  FROM rounds WHERE org_id = p_org AND loop_id = p_loop;
	new_status := CASE WHEN n_active > 0 AND n_done = n_active THEN 'awaiting_decision'
		     WHEN n_started > 0 THEN 'in_progress'
		     WHEN n_scheduled > 0 THEN 'scheduled'
		     ELSE 'draft' END;
	IF new_status <> cur THEN
		UPDATE loops SET status = new_status, version = version + 1, updated_at = now()
		 WHERE org_id = p_org AND id = p_loop;
	END IF;
	RETURN new_status;
END $$;

-- The status a reader sees: a scheduled loop whose first round has begun
-- is in progress even before anything was written since.
CREATE FUNCTION loop_effective_status(st text, p_org uuid, p_loop uuid) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN st = 'scheduled' AND EXISTS (SELECT 1 FROM rounds
			WHERE org_id = p_org AND loop_id = p_loop AND status = 'scheduled'
			  AND starts_at <= now())
		    THEN 'in_progress' ELSE st END
$$;

-- Representations served by the API, built where the data is.
CREATE FUNCTION ts(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN t IS NULL THEN NULL
		    WHEN date_trunc('second', t) = t
		    THEN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
		    ELSE to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END
$$;

-- A candidate; basic = only what an interviewer may see.
CREATE FUNCTION candidate_json(c candidates, basic boolean) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN basic THEN json_build_object('id', c.id, 'name', c.name,
			'erased', c.erased_at IS NOT NULL)
	ELSE json_build_object('id', c.id, 'name', c.name, 'email', c.email, 'phone', c.phone,
		'source', c.source, 'notes', c.notes, 'erased', c.erased_at IS NOT NULL,
		'version', c.version, 'created_at', ts(c.created_at), 'updated_at', ts(c.updated_at))
	END
$$;

CREATE FUNCTION round_json(r rounds) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', r.id, 'loop_id', r.loop_id, 'kind', r.kind,
		'rubric', json_build_object('key', r.rubric_key, 'version', r.rubric_version),
		'required', r.required, 'starts_at', ts(r.starts_at), 'ends_at', ts(r.ends_at),
		'location', r.location, 'status', r.status, 'sequence', r.sequence,
		'interviewers', coalesce((SELECT json_agg(json_build_object('user_id', ri.user_id,
				'name', u.name, 'role', ri.role) ORDER BY ri.created_at, ri.user_id)
			FROM round_interviewers ri JOIN users u ON u.org_id = ri.org_id AND u.id = ri.user_id
			WHERE ri.org_id = r.org_id AND ri.round_id = r.id), '[]'::json),
		'version', r.version, 'created_at', ts(r.created_at), 'updated_at', ts(r.updated_at))
$$;

-- A loop; rounds are embedded when asked, limited to the viewer's own
-- rounds when the viewer reaches the loop only as an interviewer.
CREATE FUNCTION loop_json(l loops, with_rounds boolean, viewer uuid, own_rounds_only boolean)
RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', l.id, 'candidate_id', l.candidate_id,
		'candidate', (SELECT json_build_object('id', c.id, 'name', c.name) FROM candidates c
			WHERE c.org_id = l.org_id AND c.id = l.candidate_id),
		'position', l.position, 'recruiter_id', l.recruiter_id,
		'hiring_manager_id', l.hiring_manager_id,
		'status', loop_effective_status(l.status, l.org_id, l.id),
		'cancel_reason', l.cancel_reason, 'template', l.template, 'version', l.version,
		'created_at', ts(l.created_at), 'updated_at', ts(l.updated_at),
		'rounds', CASE WHEN with_rounds THEN coalesce((SELECT json_agg(round_json(r)
				ORDER BY r.starts_at NULLS LAST, r.ordinal)
			FROM rounds r WHERE r.org_id = l.org_id AND r.loop_id = l.id
			  AND (NOT own_rounds_only OR EXISTS (SELECT 1 FROM round_interviewers ri
				WHERE ri.org_id = r.org_id AND ri.round_id = r.id AND ri.user_id = viewer))),
			'[]'::json) END)
$$;

-- Whether a viewer reaches a loop. reach bits: 1 = every loop of the org
-- (admins, recruiters, API clients), 2 = loops they manage (hiring
-- managers), 4 = loops with a round they interview in.
CREATE FUNCTION loop_visible(p_org uuid, p_loop uuid, p_hm uuid, viewer uuid, reach int)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT reach & 1 = 1
	    OR (reach & 2 = 2 AND p_hm = viewer)
	    OR (reach & 4 = 4 AND EXISTS (SELECT 1 FROM round_interviewers ri
		WHERE ri.org_id = p_org AND ri.loop_id = p_loop AND ri.user_id = viewer))
$$;
