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

-- One login attempt, counted before the password is hashed: under a lock
-- per key (account first, then address: one order, no deadlock), refuses
-- when the account or the address failed too often in the window, or
-- signed in too often in the last minute ('ok:' rows); else records the
-- attempt as a failure, to be taken back by login_success. Returns
-- (account row, address row, 0), or (0, 0, seconds to wait) when refused.
-- Purges up to 100 expired rows on the way (no row matters after a day,
-- and none after an hour except for the windows' worst case).
CREATE OR REPLACE FUNCTION login_attempt(p_org uuid, p_acct text, p_addr text, p_window int,
	p_acct_max int, p_addr_max int, p_ok_window int, p_ok_acct_max int, p_ok_addr_max int,
	OUT acct_row bigint, OUT addr_row bigint, OUT wait int)
LANGUAGE plpgsql AS $$
DECLARE
	k text;
	lim int;
	win int;
BEGIN
	acct_row := 0; addr_row := 0; wait := 0;
	PERFORM pg_advisory_xact_lock(hashtextextended(p_acct, 0));
	PERFORM pg_advisory_xact_lock(hashtextextended(p_addr, 0));
	FOREACH k IN ARRAY ARRAY[p_acct, p_addr, 'ok:' || p_acct, 'ok:' || p_addr] LOOP
		lim := CASE k WHEN p_acct THEN p_acct_max WHEN p_addr THEN p_addr_max
			 WHEN 'ok:' || p_acct THEN p_ok_acct_max ELSE p_ok_addr_max END;
		win := CASE WHEN k LIKE 'ok:%' THEN p_ok_window ELSE p_window END;
		SELECT coalesce(ceil(extract(epoch FROM min(f.failed_at) + make_interval(secs => win)
					       - now())), 0)::int
		  INTO wait
		  FROM (SELECT failed_at FROM login_failures
			 WHERE key = k AND failed_at > now() - make_interval(secs => win)
			 ORDER BY failed_at DESC LIMIT lim) f
		HAVING count(*) >= lim;
		IF FOUND THEN
			wait := greatest(wait, 1);
			RETURN;
		END IF;
	END LOOP;
	wait := 0;
	DELETE FROM login_failures WHERE ctid IN (SELECT ctid FROM login_failures
		WHERE failed_at < now() - interval '1 day' LIMIT 100);
	INSERT INTO login_failures (key, org_id) VALUES (p_acct, p_org) RETURNING id INTO acct_row;
	INSERT INTO login_failures (key, org_id) VALUES (p_addr, NULL) RETURNING id INTO addr_row;
END $$;

-- A login attempt that succeeded: the account's failures are forgiven, the
-- address's row of this attempt taken back, and the sign-in counted.
CREATE OR REPLACE FUNCTION login_success(p_org uuid, p_acct text, p_addr text, p_addr_row bigint)
RETURNS void
LANGUAGE sql AS $$
	DELETE FROM login_failures WHERE key = p_acct OR (key = p_addr AND id = p_addr_row);
	INSERT INTO login_failures (key, org_id) VALUES ('ok:' || p_acct, p_org), ('ok:' || p_addr, NULL);
$$;

-- The org's audit chain head, locked for the caller's transaction (created
-- at genesis on first use). SECURITY DEFINER: the application role may
-- only read audit_heads.
CREATE OR REPLACE FUNCTION audit_lock_head(p_org uuid, OUT seq bigint, OUT hash text)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
	INSERT INTO audit_heads (org_id, seq, hash)
	VALUES (p_org, 0, '0000000000000000000000000000000000000000000000000000000000000000')
	ON CONFLICT (org_id) DO UPDATE SET seq = audit_heads.seq
	RETURNING seq, hash;
$$;

-- Moves the head to event p_seq, only when that event exists and continues
-- the current head (so the head can neither skip nor rewind). True when moved.
CREATE OR REPLACE FUNCTION audit_advance(p_org uuid, p_seq bigint, p_hash text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
	UPDATE audit_heads h SET seq = p_seq, hash = p_hash
	 WHERE h.org_id = p_org AND h.seq = p_seq - 1
	   AND EXISTS (SELECT 1 FROM audit_events e WHERE e.org_id = p_org AND e.seq = p_seq
			 AND e.hash = p_hash AND e.prev_hash = h.hash);
	RETURN FOUND;
END $$;

-- Appends one event to the org's chain in one round trip: locks the head
-- (created at genesis on first use), hashes the head's hash followed by
-- p_canonical (the event's canonical content, built by the caller: see
-- README, "Audit log"; its hash does not depend on seq), inserts the event
-- and moves the head to it. The head stays locked until the caller's
-- transaction ends. Returns the event's seq.
CREATE OR REPLACE FUNCTION audit_append(p_org uuid, p_at timestamptz, p_actor_type text,
	p_actor_id uuid, p_action text, p_entity_type text, p_entity_id text, p_request_id text,
	p_source text, p_changes text, p_canonical text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
	cur_seq bigint;
	cur_hash text;
	new_hash text;
BEGIN
	SELECT h.seq, h.hash INTO cur_seq, cur_hash FROM audit_heads h WHERE h.org_id = p_org
	   FOR UPDATE;
	IF NOT FOUND THEN
		SELECT l.seq, l.hash INTO cur_seq, cur_hash FROM audit_lock_head(p_org) l;
	END IF;
	new_hash := encode(sha256(convert_to(cur_hash || p_canonical, 'UTF8')), 'hex');
	INSERT INTO audit_events (org_id, seq, occurred_at, actor_type, actor_id, action,
		entity_type, entity_id, request_id, source, changes, prev_hash, hash)
	VALUES (p_org, cur_seq + 1, p_at, p_actor_type, p_actor_id, p_action, p_entity_type,
		p_entity_id, p_request_id, p_source, p_changes, cur_hash, new_hash);
	UPDATE audit_heads h SET seq = cur_seq + 1, hash = new_hash WHERE h.org_id = p_org;
	RETURN cur_seq + 1;
END $$;
