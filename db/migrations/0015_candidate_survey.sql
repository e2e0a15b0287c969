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
