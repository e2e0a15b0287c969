-- Issue 13, the calendar feed: an interviewer taken off a round keeps
-- seeing it in their feed as STATUS:CANCELLED for 30 days (then it drops
-- out), instead of the event vanishing, which calendar apps do not notice.
-- A row per removed booking, with the role it had; booking the user again
-- deletes it.
CREATE TABLE round_removals (
	org_id uuid NOT NULL,
	round_id uuid NOT NULL,
	user_id uuid NOT NULL,
	role text NOT NULL,
	removed_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, user_id, round_id),
	FOREIGN KEY (org_id, round_id) REFERENCES rounds (org_id, id) ON DELETE CASCADE,
	FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
