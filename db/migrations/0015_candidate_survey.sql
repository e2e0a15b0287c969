-- Candidate experience surveys: single-use links a recruiter issues for a
-- loop's candidate, and the one answer each link takes.

-- A link. The token is shown once and stored only as its SHA-256
-- (token_hash); questions_version pins the question set the link asks.
CREATE TABLE survey_links (
	org_id uuid NOT NULL REFERENCES orgs(id),
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	loop_id uuid NOT NULL,
	token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
	questions_version integer NOT NULL CHECK (questions_version >= 1),
	issued_by uuid,
	created_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL,
	revoked_at timestamptz,
	answered_at timestamptz,
	PRIMARY KEY (org_id, id),
	FOREIGN KEY (org_id, loop_id) REFERENCES loops (org_id, id)
);
CREATE INDEX survey_links_loop ON survey_links (org_id, loop_id, created_at);

-- The answer of a link: the overall rating and the optional free text
-- (cleared when the candidate is erased; the rest stays for the report).
CREATE TABLE survey_answers (
	org_id uuid NOT NULL,
	link_id uuid NOT NULL,
	loop_id uuid NOT NULL,
	questions_version integer NOT NULL,
	overall_rating integer NOT NULL CHECK (overall_rating BETWEEN 1 AND 5),
	comment text CHECK (length(comment) <= 2000),
	submitted_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, link_id),
	FOREIGN KEY (org_id, link_id) REFERENCES survey_links (org_id, id)
);
CREATE INDEX survey_answers_loop ON survey_answers (org_id, loop_id);

-- One row per question of an answer: saw_flag is whether the answer is
-- the question's red-flag answer; NULL when the candidate said it did not
-- apply.
CREATE TABLE survey_answer_items (
	org_id uuid NOT NULL,
	link_id uuid NOT NULL,
	question text NOT NULL CHECK (question ~ '^[a-z][a-z0-9_]{0,63}$'),
	answer text NOT NULL CHECK (answer IN ('yes', 'no', 'not_applicable')),
	saw_flag boolean,
	PRIMARY KEY (org_id, link_id, question),
	FOREIGN KEY (org_id, link_id) REFERENCES survey_answers (org_id, link_id)
);

-- Take-home rounds: when the work is due and the effort the team states
-- (hours). Scheduling one with under 7 days to its due time, or with no
-- stated effort, is allowed but answered with a warning (seed 003, "Red
-- Flags to Watch For" > 2): see DB_TAKE_HOME_WARNINGS in db/internal.h.
ALTER TABLE rounds ADD COLUMN due_at timestamptz,
	ADD COLUMN expected_effort_hours integer
		CHECK (expected_effort_hours BETWEEN 1 AND 200);
