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
