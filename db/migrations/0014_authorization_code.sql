-- Issue 16, the authorization server: the authorization-code grant with
-- PKCE (RFC 6749 4.1, RFC 7636), public clients, registered redirect URIs,
-- the built-in console client and a per-org switch for the password grant.

ALTER TABLE clients DROP CONSTRAINT clients_grants_check;
ALTER TABLE clients ADD CONSTRAINT clients_grants_check CHECK (grants <@
	ARRAY['password', 'client_credentials', 'refresh_token', 'authorization_code']);
-- Exact-match redirect URIs (validated by the API), and public clients: no
-- secret, authorization_code and refresh_token only, always PKCE.
ALTER TABLE clients ADD COLUMN redirect_uris text[] NOT NULL DEFAULT '{}'
	CHECK (cardinality(redirect_uris) <= 10);
ALTER TABLE clients ADD COLUMN public boolean NOT NULL DEFAULT false
	CHECK (NOT public OR secret_hash IS NULL);
-- The built-in console client ("loopd-console" on the wire) is one row per
-- org, so its refresh tokens keep their foreign key and revocation paths;
-- its redirect URI comes from the configuration, not from the row.
ALTER TABLE clients ADD COLUMN builtin text CHECK (builtin IN ('loopd-console'));
CREATE UNIQUE INDEX clients_builtin ON clients (org_id, builtin) WHERE builtin IS NOT NULL;
INSERT INTO clients (org_id, name, grants, scopes, first_party, public, builtin)
	SELECT id, 'loopd console', ARRAY['authorization_code', 'refresh_token'],
	       'candidates:read candidates:write loops:read loops:write scorecards:write'
	       ' decisions:read decisions:write rubrics:write audit:read users:admin',
	       true, true, 'loopd-console'
	FROM orgs;

-- The console's sign-in finds the one org an email belongs to.
CREATE INDEX users_email_any ON users (lower(email));

-- Admins may turn the password grant off for their org (first-party
-- scripts keep it by default).
ALTER TABLE orgs ADD COLUMN password_grant boolean NOT NULL DEFAULT true;

-- Authorization codes: single use, 60 s, bound to client, redirect URI,
-- user, PKCE challenge and scope. family_id is the refresh family the
-- exchange issued, revoked when the code is presented again.
CREATE TABLE authorization_codes (
	org_id uuid NOT NULL REFERENCES orgs(id),
	code_hash text PRIMARY KEY,
	client_id uuid NOT NULL,
	user_id uuid NOT NULL,
	redirect_uri text NOT NULL CHECK (length(redirect_uri) <= 512),
	challenge text NOT NULL CHECK (length(challenge) = 43),
	scopes text NOT NULL,
	expires_at timestamptz NOT NULL,
	used_at timestamptz,
	family_id uuid,
	FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id),
	FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id)
);
CREATE INDEX authorization_codes_expiry ON authorization_codes (expires_at);
