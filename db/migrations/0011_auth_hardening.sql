-- Hardening against outside attack (issue 12): denial counters instead of
-- one audit event per 403, login attempts counted before hashing, and the
-- audit chain's head moved only by a function of the owner.

-- Refusals (403) per subject, route and minute: the first of a bucket
-- writes one access.denied event (event_seq); later ones only count here.
-- The chain stays append-only: the count is shown beside the event in the
-- listing, never hashed.
CREATE TABLE access_denials (
	org_id uuid NOT NULL REFERENCES orgs(id),
	subject_id uuid NOT NULL,
	method text NOT NULL,
	route text NOT NULL,
	minute timestamptz NOT NULL,
	count integer NOT NULL DEFAULT 1,
	event_seq bigint,
	PRIMARY KEY (org_id, subject_id, method, route, minute)
);
CREATE INDEX access_denials_event ON access_denials (org_id, event_seq);
CREATE INDEX access_denials_minute ON access_denials (minute);

-- Login attempts are counted before the password is hashed; each row has an
-- id so a success can take back its own address row. Old rows are purged
-- by the writers (login_attempt in db/functions.sql).
ALTER TABLE login_failures ADD COLUMN id bigserial;
CREATE INDEX login_failures_at ON login_failures (failed_at);

-- Tables the application may only read: the audit chain's heads move
-- through audit_advance() (db/functions.sql, SECURITY DEFINER), which
-- checks that the new head is an appended event continuing the old one.
CREATE TABLE app_read_only (table_name text PRIMARY KEY);
INSERT INTO app_read_only VALUES ('audit_heads'), ('app_read_only');

CREATE OR REPLACE FUNCTION loopd_grant_app(role text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	t record;
BEGIN
	EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', role);
	FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') LOOP
		IF t.relname IN (SELECT table_name FROM app_append_only) THEN
			EXECUTE format('REVOKE ALL ON %I FROM %I', t.relname, role);
			EXECUTE format('GRANT SELECT, INSERT ON %I TO %I', t.relname, role);
		ELSIF t.relname IN ('schema_migrations', 'app_append_only')
		      OR t.relname IN (SELECT table_name FROM app_read_only) THEN
			EXECUTE format('REVOKE ALL ON %I FROM %I', t.relname, role);
			EXECUTE format('GRANT SELECT ON %I TO %I', t.relname, role);
		ELSE
			EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I', t.relname, role);
		END IF;
	END LOOP;
	EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', role);
END $$;
