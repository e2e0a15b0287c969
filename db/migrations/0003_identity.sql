-- Identity: users, API clients, signing keys, refresh-token families and
-- login throttles.
CREATE TABLE users (
	org_id uuid NOT NULL REFERENCES orgs(id),
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	roles text[] NOT NULL CHECK (cardinality(roles) >= 1 AND
		roles <@ ARRAY['admin', 'recruiter', 'interviewer', 'hiring_manager']),
	password_hash text NOT NULL,
	disabled boolean NOT NULL DEFAULT false,
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX users_email ON users (org_id, lower(email));
CREATE INDEX users_page ON users (org_id, created_at, id);

CREATE TABLE clients (
	org_id uuid NOT NULL REFERENCES orgs(id),
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	secret_hash text,		-- SHA-256 hex; NULL for a public first-party client
	grants text[] NOT NULL CHECK (grants <@ ARRAY['password', 'client_credentials', 'refresh_token']),
	scopes text NOT NULL,		-- the most a token of this client may carry
	first_party boolean NOT NULL DEFAULT false,
	revoked_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id)
);
-- The token endpoint finds a client by its id alone; the client names the org.
CREATE UNIQUE INDEX clients_id ON clients (id);
CREATE INDEX clients_page ON clients (org_id, created_at, id);

-- Shared by all orgs and instances: HS256 secrets named by kid.
CREATE TABLE signing_keys (
	kid text PRIMARY KEY,
	secret bytea NOT NULL CHECK (length(secret) >= 32),
	created_at timestamptz NOT NULL DEFAULT now(),
	retired_at timestamptz		-- no longer signs; verifies until its tokens expire
);

CREATE TABLE refresh_tokens (
	org_id uuid NOT NULL REFERENCES orgs(id),
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	family_id uuid NOT NULL,
	token_hash text NOT NULL UNIQUE,
	user_id uuid,
	client_id uuid NOT NULL,
	scopes text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	family_expires_at timestamptz NOT NULL,
	rotated_at timestamptz,
	revoked_at timestamptz,
	PRIMARY KEY (org_id, id),
	FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id),
	FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id)
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (org_id, family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (org_id, user_id) WHERE revoked_at IS NULL;
CREATE INDEX refresh_tokens_client ON refresh_tokens (org_id, client_id) WHERE revoked_at IS NULL;

-- Failed logins, counted per account ("acct:<org>:<email>") and per source
-- address ("addr:<ip>") over a sliding window; shared by every instance.
CREATE TABLE login_failures (
	key text NOT NULL,
	org_id uuid REFERENCES orgs(id),
	failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key ON login_failures (key, failed_at);

-- Server-wide secrets other than signing keys (e.g. the cursor MAC key).
CREATE TABLE server_secrets (
	name text PRIMARY KEY,
	secret bytea NOT NULL CHECK (length(secret) >= 32)
);
