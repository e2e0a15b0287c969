-- GET /v1/me is answered from the standing cache (auth/standing.c), which
-- then also holds the user's name, email, version and timestamps: a change
-- to any column of that representation drops the entry, as a change of
-- disabled or roles already did (0009_invalidation.sql).
DROP TRIGGER users_notify ON users;
CREATE TRIGGER users_notify
	AFTER UPDATE OF disabled, roles, name, email, version, created_at, updated_at OR DELETE
	ON users FOR EACH ROW EXECUTE FUNCTION notify_standing('user');
