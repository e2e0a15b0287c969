-- The audit log: append-only, hash-chained per org (see README, "Audit log").
CREATE TABLE audit_heads (
	org_id uuid PRIMARY KEY REFERENCES orgs(id),
	seq bigint NOT NULL,
	hash text NOT NULL
);

CREATE TABLE audit_events (
	org_id uuid NOT NULL REFERENCES orgs(id),
	seq bigint NOT NULL,
	occurred_at timestamptz NOT NULL,
	actor_type text NOT NULL CHECK (actor_type IN ('user', 'client', 'system')),
	actor_id uuid,
	action text NOT NULL,
	entity_type text NOT NULL,
	entity_id text,
	request_id text,
	source text,
	changes text NOT NULL,		-- canonical JSON, exactly as hashed
	prev_hash text NOT NULL,
	hash text NOT NULL,
	PRIMARY KEY (org_id, seq)
);
CREATE INDEX audit_events_entity ON audit_events (org_id, entity_type, entity_id, seq);
CREATE INDEX audit_events_actor ON audit_events (org_id, actor_id, seq);
CREATE INDEX audit_events_action ON audit_events (org_id, action, seq);

INSERT INTO app_append_only VALUES ('audit_events');

-- Append-only tables: only the table's owner may change or remove rows
-- (tamper tests do so as the owner with this trigger disabled).
CREATE FUNCTION owner_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF current_user <> (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN
		RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
	FOR EACH ROW EXECUTE FUNCTION owner_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
	FOR EACH STATEMENT EXECUTE FUNCTION owner_only();
