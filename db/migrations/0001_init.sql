-- The application role that request connections SET ROLE to, and the
-- function every migration run calls to grant it row privileges.
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'loopd_app') THEN
		CREATE ROLE loopd_app NOLOGIN;
	END IF;
END $$;

-- Tables the application may only read and append to (e.g. the audit log).
CREATE TABLE app_append_only (table_name text PRIMARY KEY);

CREATE FUNCTION loopd_grant_app(role text) RETURNS void
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
		ELSIF t.relname IN ('schema_migrations', 'app_append_only') THEN
			EXECUTE format('GRANT SELECT ON %I TO %I', t.relname, role);
		ELSE
			EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I', t.relname, role);
		END IF;
	END LOOP;
	EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', role);
END $$;

CREATE TABLE orgs (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	created_at timestamptz NOT NULL DEFAULT now()
);
