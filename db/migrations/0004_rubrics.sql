-- Rubrics: published versions are immutable. org_id NULL marks the shared
-- catalogue shipped with loopd (rubrics/catalog/); an org's own rubrics and
-- org-specific versions carry its org_id and are visible only there.
CREATE TABLE rubrics (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid REFERENCES orgs(id),
	key text NOT NULL,
	version integer NOT NULL CHECK (version BETWEEN 1 AND 100000),
	kind text NOT NULL,
	title text NOT NULL,
	duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
	document text NOT NULL,		-- canonical JSON of the validated document
	digest text NOT NULL,		-- SHA-256 of document
	source_file text,		-- catalogue file it was loaded from
	published_by uuid,
	published_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX rubrics_version
	ON rubrics (coalesce(org_id, '00000000-0000-0000-0000-000000000000'), key, version);
CREATE INDEX rubrics_key ON rubrics (key, version DESC);
CREATE INDEX rubrics_kind ON rubrics (kind, version DESC);

-- The application may read and publish, never change or remove a version.
INSERT INTO app_append_only VALUES ('rubrics');

-- Loop templates from the catalogue (rubrics/catalog/templates/).
CREATE TABLE loop_templates (
	key text PRIMARY KEY,
	document text NOT NULL,
	digest text NOT NULL
);

-- Published versions are immutable (owner_only comes from 0002_audit.sql).
CREATE TRIGGER rubrics_no_update BEFORE UPDATE OR DELETE ON rubrics
	FOR EACH ROW EXECUTE FUNCTION owner_only();
CREATE TRIGGER rubrics_no_truncate BEFORE TRUNCATE ON rubrics
	FOR EACH STATEMENT EXECUTE FUNCTION owner_only();
