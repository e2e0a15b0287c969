-- Helper functions of the set logic that must stay in SQL: a loop's status
-- derived atomically from its rounds, and who sees a loop. Applied with
-- CREATE OR REPLACE at every start-up, after the migrations and under the
-- same advisory lock (db/migrate.c), so a change here is a code change, not
-- a migration. Keep each function's name and signature: callers in db/ and
-- other sessions' plans depend on them. No function here renders anything.

-- A loop's status as its rounds drive it: every round that is neither
-- cancelled nor a no-show completed, and each of their lead and bar-raiser
-- interviewers' scorecards submitted -> awaiting_decision (shadows are never
-- required); any round started or done -> in_progress; any scheduled ->
-- scheduled; else draft. decided and cancelled are final. Called after every
-- change to a loop's rounds and after every scorecard submission.
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

-- Whether a viewer reaches a loop. reach bits: 1 = every loop of the org
-- (admins, recruiters, API clients), 2 = loops they manage (hiring
-- managers), 4 = loops with a round they interview in.
CREATE OR REPLACE FUNCTION loop_visible(p_org uuid, p_loop uuid, p_hm uuid, viewer uuid, reach int)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT reach & 1 = 1
	    OR (reach & 2 = 2 AND p_hm = viewer)
	    OR (reach & 4 = 4 AND EXISTS (SELECT 1 FROM round_interviewers ri
		WHERE ri.org_id = p_org AND ri.loop_id = p_loop AND ri.user_id = viewer))
$$;
