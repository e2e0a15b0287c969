-- Invalidation of the in-process caches (a subject's standing, rendered
-- rubrics and templates): every change NOTIFYs loopd_invalidate from the
-- changing transaction itself, so listeners hear of it only on commit and
-- every code path (API, admin CLI, plain SQL) is covered. Row triggers, so a
-- catalogue load that stores nothing new notifies nothing.
CREATE FUNCTION notify_standing() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	r record := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
	PERFORM pg_notify('loopd_invalidate', TG_ARGV[0] || ':' || r.org_id || ':' || r.id);
	RETURN NULL;
END $$;

CREATE TRIGGER users_notify AFTER UPDATE OF disabled, roles OR DELETE ON users
	FOR EACH ROW EXECUTE FUNCTION notify_standing('user');
CREATE TRIGGER clients_notify AFTER UPDATE OF revoked_at, scopes OR DELETE ON clients
	FOR EACH ROW EXECUTE FUNCTION notify_standing('client');

CREATE FUNCTION notify_catalog() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('loopd_invalidate', TG_ARGV[0]);
	RETURN NULL;
END $$;

CREATE TRIGGER rubrics_notify AFTER INSERT ON rubrics
	FOR EACH ROW EXECUTE FUNCTION notify_catalog('rubrics');
CREATE TRIGGER loop_templates_notify AFTER INSERT OR UPDATE OR DELETE ON loop_templates
	FOR EACH ROW EXECUTE FUNCTION notify_catalog('templates');
