-- Scorecards: one per (round, interviewer). Content lives in revisions:
-- revision 0 is the author's draft (replaced on every save, gone once
-- submitted), revisions 1.. are the submitted ones (1 = the submission,
-- 2.. = amendments, every one kept). Ratings, red flags and logistics notes
-- are rows of a revision, in the order the author wrote them, so a partial
-- draft round-trips exactly and erasure can clear the text and keep the
-- numbers.

CREATE TABLE scorecards (
	org_id uuid NOT NULL REFERENCES orgs(id),
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	round_id uuid NOT NULL,
	loop_id uuid NOT NULL,
	author_id uuid NOT NULL,
	status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
	revision integer NOT NULL DEFAULT 0,	-- the latest submitted revision; 0 while a draft
	version integer NOT NULL DEFAULT 1,	-- ETag: grows on every save, submission, amendment
	first_submitted_at timestamptz,
	submitted_at timestamptz,		-- of the latest revision
	erased_at timestamptz,			-- the candidate's data was erased: text cleared
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id),
	UNIQUE (org_id, round_id, author_id),
	FOREIGN KEY (org_id, round_id) REFERENCES rounds (org_id, id),
	FOREIGN KEY (org_id, loop_id) REFERENCES loops (org_id, id),
	FOREIGN KEY (org_id, author_id) REFERENCES users (org_id, id),
	CHECK ((status = 'draft') = (revision = 0)),
	CHECK ((status = 'draft') = (first_submitted_at IS NULL))
);
CREATE INDEX scorecards_loop ON scorecards (org_id, loop_id, created_at, id);
CREATE INDEX scorecards_author ON scorecards (org_id, author_id);

CREATE TABLE scorecard_revisions (
	org_id uuid NOT NULL,
	scorecard_id uuid NOT NULL,
	revision integer NOT NULL CHECK (revision >= 0),
	role text NOT NULL CHECK (role IN ('lead', 'shadow', 'bar_raiser')),
	recommendation text CHECK (recommendation IN ('strong_no', 'no', 'yes', 'strong_yes')),
	summary text,
	reason text,				-- why it was amended (revision > 1)
	submitted_by uuid,
	submitted_at timestamptz,		-- NULL for the draft
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, scorecard_id, revision),
	FOREIGN KEY (org_id, scorecard_id) REFERENCES scorecards (org_id, id) ON DELETE CASCADE,
	CHECK ((revision = 0) = (submitted_at IS NULL))
);

CREATE TABLE scorecard_ratings (
	org_id uuid NOT NULL,
	scorecard_id uuid NOT NULL,
	revision integer NOT NULL,
	position integer NOT NULL,
	criterion text NOT NULL,
	rating smallint CHECK (rating BETWEEN 1 AND 4),	-- NULL only in a draft
	evidence text,
	PRIMARY KEY (org_id, scorecard_id, revision, position),
	UNIQUE (org_id, scorecard_id, revision, criterion),
	FOREIGN KEY (org_id, scorecard_id, revision)
		REFERENCES scorecard_revisions (org_id, scorecard_id, revision) ON DELETE CASCADE
);

CREATE TABLE scorecard_red_flags (
	org_id uuid NOT NULL,
	scorecard_id uuid NOT NULL,
	revision integer NOT NULL,
	position integer NOT NULL,
	key text NOT NULL,
	evidence text,
	PRIMARY KEY (org_id, scorecard_id, revision, position),
	UNIQUE (org_id, scorecard_id, revision, key),
	FOREIGN KEY (org_id, scorecard_id, revision)
		REFERENCES scorecard_revisions (org_id, scorecard_id, revision) ON DELETE CASCADE
);

-- Answers to the rubric's logistics prompts (struct rubric_note): read by
-- recruiters, admins and the author only; never scored.
CREATE TABLE scorecard_notes (
	org_id uuid NOT NULL,
	scorecard_id uuid NOT NULL,
	revision integer NOT NULL,
	position integer NOT NULL,
	key text NOT NULL,
	answer text,
	PRIMARY KEY (org_id, scorecard_id, revision, position),
	UNIQUE (org_id, scorecard_id, revision, key),
	FOREIGN KEY (org_id, scorecard_id, revision)
		REFERENCES scorecard_revisions (org_id, scorecard_id, revision) ON DELETE CASCADE
);

-- The loop status rule of 0005, plus scorecards: a loop awaits its decision
-- when every round that is neither cancelled nor a no-show is completed and
-- each of its lead and bar-raiser interviewers has submitted a scorecard.
-- Shadows are never required.
CREATE OR REPLACE FUNCTION loop_sync_status(p_org uuid, p_loop uuid) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	cur text;
	new_status text;
	n_active int;
	n_done int;
	n_scheduled int;
	n_started int;
	n_missing int;
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
	SELECT count(*) INTO n_missing
	  FROM rounds r JOIN round_interviewers ri ON ri.org_id = r.org_id AND ri.round_id = r.id
	 WHERE r.org_id = p_org AND r.loop_id = p_loop AND r.status = 'completed'
	   AND ri.role IN ('lead', 'bar_raiser')
	   AND NOT EXISTS (SELECT 1 FROM scorecards s WHERE s.org_id = r.org_id
			   AND s.round_id = r.id AND s.author_id = ri.user_id
			   AND s.status = 'submitted');
	new_status := CASE WHEN n_active > 0 AND n_done = n_active AND n_missing = 0
			   THEN 'awaiting_decision'
		     WHEN n_started > 0 THEN 'in_progress'
		     WHEN n_scheduled > 0 THEN 'scheduled'
		     ELSE 'draft' END;
	IF new_status <> cur THEN
		UPDATE loops SET status = new_status, version = version + 1, updated_at = now()
		 WHERE org_id = p_org AND id = p_loop;
	END IF;
	RETURN new_status;
END $$;
