"""Black-box tests of identity and OAuth-style auth (issue 4): forged and
broken access tokens, the token endpoint's RFC 6749 errors, refresh
rotation and reuse detection, throttling, scopes, disabled users, key
rotation, tenant isolation, revocation, introspection, the users and
clients APIs, and a role x endpoint matrix.

Each module state (users, throttles) lives in an organisation of this
module's own (`org_admin`), on the shared loopd; the key-rotation test runs
its own loopd because it deletes signing keys."""

import base64
import hashlib
import hmac
import json
import os
import statistics
import threading
import time
import uuid

import pytest

import contract
from conftest import forget_login_failures, user_with_token

TOKEN = "/oauth/token"
REVOKE = "/oauth/revoke"
INTROSPECT = "/oauth/introspect"
PROBLEM = "application/problem+json"

ALL_SCOPES = ("candidates:read candidates:write loops:read loops:write scorecards:write "
              "decisions:read decisions:write rubrics:write audit:read users:admin").split()

# The policy as DESIGN.md section 1 and auth/scope.h state it: an oracle
# independent of the C table.
ROLE_SCOPES = {
    "admin": set(ALL_SCOPES),
    "recruiter": {"candidates:read", "candidates:write", "loops:read", "loops:write",
                  "decisions:read"},
    "interviewer": {"candidates:read", "loops:read", "scorecards:write"},
    "hiring_manager": {"candidates:read", "loops:read", "decisions:read", "decisions:write"},
}
ROLES = tuple(ROLE_SCOPES)


def canonical_scopes(scopes):
    """Space-joined, in the canonical order loopd uses."""
    return " ".join(s for s in ALL_SCOPES if s in scopes)


# -- helpers -------------------------------------------------------------------


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def jwt_sign(header, payload, secret, alg=hashlib.sha256):
    """A compact JWS of header and payload (dicts, or bytes used as they are)
    with an HMAC signature under secret."""
    h = b64u(header if isinstance(header, bytes) else compact(header))
    p = b64u(payload if isinstance(payload, bytes) else compact(payload))
    sig = hmac.new(secret, f"{h}.{p}".encode(), alg).digest()
    return f"{h}.{p}.{b64u(sig)}"


def jwt_parts(token):
    h, p, _ = token.split(".")
    return json.loads(unb64u(h)), json.loads(unb64u(p))


def post_form(server, path, form, auth=None, headers=None, check=True):
    return server.api().post(path, data=form, auth=auth, headers=headers, check=check)


def oauth_error(r, status, error):
    """Asserts r is an RFC 6749 error with this status and code; returns the body."""
    assert r.status_code == status, f"expected {status} {error}, got {r.status_code}: {r.text}"
    assert r.headers["Content-Type"].startswith("application/json"), r.headers["Content-Type"]
    body = r.json()
    assert body["error"] == error, body
    assert set(body) == {"error", "error_description"}, body
    assert r.headers.get("Cache-Control") == "no-store"
    return body


def problem(r, status, code):
    assert r.status_code == status, f"expected {status} {code}, got {r.status_code}: {r.text}"
    assert r.headers["Content-Type"].startswith(PROBLEM), r.headers["Content-Type"]
    assert r.json()["code"] == code, r.json()
    return r.json()


def password_form(p, password=None, scope=None, client_id=None):
    form = {"grant_type": "password", "username": p.email,
            "password": p.password if password is None else password,
            "client_id": client_id or p.client_id}
    if scope is not None:
        form["scope"] = scope
    return form


def refresh_form(p, refresh_token, scope=None, client_id=None):
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": client_id or p.client_id}
    if scope is not None:
        form["scope"] = scope
    return form


def me(server, token, check=True):
    return server.api(token=token).get("/v1/me", check=check)


def assert_invalid_token(r):
    problem(r, 401, "invalid_token")
    challenge = r.headers.get("WWW-Authenticate", "")
    assert challenge.startswith("Bearer") and 'error="invalid_token"' in challenge, challenge


# -- fixtures ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_throttle_spill(loopd):
    """Failed logins from 127.0.0.1 count toward the per-address limit of
    every test in the session: age them out after each test."""
    yield
    conn = loopd.db()
    try:
        forget_login_failures(conn)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def people(org_admin):
    """One user per role in the module's organisation (tokens made lazily)."""
    return {role: org_admin.make_user(roles=[role]) for role in ROLES if role != "admin"} | {
        "admin": org_admin}


@pytest.fixture(scope="module")
def admin_login(org_admin):
    """One password-grant token response of the module's admin."""
    return org_admin.login()


@pytest.fixture(scope="module")
def signing_key(loopd):
    conn = loopd.db()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT kid, secret FROM signing_keys WHERE retired_at IS NULL")
            rows = cur.fetchall()
    finally:
        conn.close()
    assert len(rows) == 1, f"expected one signing key, got {len(rows)}"
    return rows[0][0], bytes(rows[0][1])


@pytest.fixture(scope="module")
def cc_client(org_admin):
    """A confidential client of the module's org: client_credentials only,
    loops:read and candidates:read. A dict with id and secret."""
    r = org_admin.api.post("/v1/clients", json={
        "name": "ats-sync", "grants": ["client_credentials"],
        "scopes": ["loops:read", "candidates:read"]})
    assert r.status_code == 201, r.text
    return r.json()


# -- forged and broken access tokens ---------------------------------------------


class Forge:
    """A real admin token taken apart, and the key to sign look-alikes."""

    def __init__(self, token, kid, secret):
        self.token = token
        self.header, self.payload = jwt_parts(token)
        self.kid = kid
        self.secret = secret
        assert self.header["kid"] == kid, "the token is not signed by the current key"

    def sign(self, header=None, payload=None, secret=None, **claims):
        h = dict(self.header) if header is None else header
        p = dict(self.payload) if payload is None else payload
        for k, v in claims.items():
            if v is DROP:
                p.pop(k, None)
            else:
                p[k] = v
        return jwt_sign(h, p, secret or self.secret)

    def with_header(self, **fields):
        h = dict(self.header)
        h.update(fields)
        return self.sign(header=h)


DROP = object()
NOW = lambda: int(time.time())  # noqa: E731


FORGERIES = {
    "alg_none_unsigned": lambda f: f"{b64u(compact({**f.header, 'alg': 'none'}))}."
                                   f"{b64u(compact(f.payload))}.",
    "alg_none_signed": lambda f: f.with_header(alg="none"),
    "alg_RS256": lambda f: f.with_header(alg="RS256"),
    "alg_ES256": lambda f: f.with_header(alg="ES256"),
    "alg_lowercase_hs256": lambda f: f.with_header(alg="hs256"),
    "alg_HS512": lambda f: jwt_sign({**f.header, "alg": "HS512"}, f.payload, f.secret,
                                    hashlib.sha512),
    "wrong_key": lambda f: f.sign(secret=os.urandom(32)),
    "tampered_payload": lambda f: ".".join([f.token.split(".")[0],
                                            b64u(compact({**f.payload, "sub": str(uuid.uuid4())})),
                                            f.token.split(".")[2]]),
    "tampered_signature": lambda f: f.token[:-4] + ("AAAA" if not f.token.endswith("AAAA")
                                                    else "BBBB"),
    "four_segments": lambda f: f.token + "." + f.token.split(".")[2],
    "two_segments": lambda f: ".".join(f.token.split(".")[:2]),
    "nine_kib": lambda f: f.sign(pad="x" * 9 * 1024),
    "expired": lambda f: f.sign(iat=NOW() - 2000, nbf=NOW() - 2000, exp=NOW() - 120),
    "nbf_in_the_future": lambda f: f.sign(nbf=NOW() + 300, exp=NOW() + 900),
    "wrong_iss": lambda f: f.sign(iss="someone-else"),
    "wrong_aud": lambda f: f.sign(aud="another-api"),
    "exp_as_string": lambda f: f.sign(exp=str(NOW() + 600)),
    "exp_as_float": lambda f: f.sign(exp=float(NOW() + 600)),
    "missing_exp": lambda f: f.sign(exp=DROP),
    "missing_nbf": lambda f: f.sign(nbf=DROP),
    "nbf_as_string": lambda f: f.sign(nbf=str(NOW() - 10)),
    "unknown_kid": lambda f: f.with_header(kid="no-such-key"),
    "missing_kid": lambda f: f.sign(header={k: v for k, v in f.header.items() if k != "kid"}),
    "not_an_access_token": lambda f: f.sign(tt="refresh"),
    "missing_token_type": lambda f: f.sign(tt=DROP),
    "sub_not_uuid": lambda f: f.sign(sub="admin"),
    "payload_not_json": lambda f: f.sign(payload=b"not json"),
    "garbage": lambda f: "not-a-token",
}


@pytest.fixture(scope="module")
def forge(loopd, org_admin, signing_key):
    return Forge(org_admin.token, *signing_key)


def test_forger_control_a_resigned_token_is_accepted(loopd, forge):
    """The forging helpers are right: the real token re-signed unchanged, and
    one with new iat/nbf/exp, verify (so every 401 below is meaningful)."""
    r = loopd.api(token=forge.sign()).get("/v1/users")
    assert r.status_code == 200, r.text
    r = loopd.api(token=forge.sign(iat=NOW(), nbf=NOW(), exp=NOW() + 300)).get("/v1/users")
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("case", sorted(FORGERIES))
def test_forged_or_broken_token_is_401(loopd, forge, case):
    token = FORGERIES[case](forge)
    r = loopd.api(token=token).get("/v1/users")
    assert_invalid_token(r)


def test_refresh_token_as_bearer_is_401(loopd, admin_login):
    assert_invalid_token(loopd.api(token=admin_login["refresh_token"]).get("/v1/me"))


def test_missing_and_non_bearer_credentials_are_401(loopd, org_admin):
    r = loopd.api().get("/v1/me")
    problem(r, 401, "unauthenticated")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = loopd.api().get("/v1/me", headers={"Authorization": f"Basic {b64u(b'a:b')}"})
    assert r.status_code == 401
    r = loopd.api().get("/v1/me", headers={"Authorization": "Bearer "})
    problem(r, 401, "invalid_token")


def test_exp_within_leeway_is_accepted(loopd, forge):
    """60 s of clock skew are allowed on exp and nbf."""
    assert loopd.api(token=forge.sign(exp=NOW() - 30)).get("/v1/me").status_code == 200
    assert loopd.api(token=forge.sign(nbf=NOW() + 30)).get("/v1/me").status_code == 200


def test_access_token_claims(org_admin, admin_login, signing_key):
    h, p = jwt_parts(admin_login["access_token"])
    assert h["alg"] == "HS256" and h["kid"] == signing_key[0]
    assert {"iss", "aud", "sub", "org", "roles", "scope", "iat", "nbf", "exp", "jti"} <= set(p)
    assert p["iss"] == "loopd" and p["aud"] == "loopd-api"
    assert p["sub"] == org_admin.user_id and p["org"] == org_admin.org_id
    assert p["roles"] == ["admin"]
    assert p["exp"] - p["iat"] == 900 == admin_login["expires_in"]
    assert admin_login["token_type"] == "Bearer"
    assert admin_login["scope"] == " ".join(ALL_SCOPES)
    assert p["scope"] == admin_login["scope"]


# -- the token endpoint: RFC 6749 errors -----------------------------------------


def test_token_success_is_no_store(loopd, org_admin):
    r = post_form(loopd, TOKEN, password_form(org_admin))
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers.get("Pragma") == "no-cache"
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}


@pytest.mark.parametrize("body", [
    "username=a%40b.test&password=x",                                   # no grant_type
    "grant_type=password&grant_type=password&username=a%40b.test&password=x",  # repeated
    "grant_type=password&username=a%40b.test&username=b%40b.test&password=x",  # repeated
    "grant_type=password&password=x&client_id={client}",                # no username
    "grant_type=password&username=a%40b.test&client_id={client}",       # no password
    "grant_type=password&username=a%40b.test&password=x",               # no client_id
    "grant_type=refresh_token&client_id={client}",                      # no refresh_token
    "grant_type=password&username=a%40b.test&password=x&client_id={client}&client_id={client}",
    "grant_type=password&username=a%00b&password=x&client_id={client}",  # NUL byte
    "grant_type=password&scope=loops:read&scope=loops:read&username=a&password=x"
    "&client_id={client}",
])
def test_invalid_request(loopd, org_admin, body):
    r = loopd.api().post(TOKEN, data=body.format(client=org_admin.client_id),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    oauth_error(r, 400, "invalid_request")


def test_invalid_request_two_client_authentications(loopd, cc_client):
    form = {"grant_type": "client_credentials", "client_secret": cc_client["client_secret"]}
    r = post_form(loopd, TOKEN, form, auth=(cc_client["id"], cc_client["client_secret"]))
    oauth_error(r, 400, "invalid_request")


def test_invalid_client_in_body_is_401(loopd, org_admin, cc_client):
    for form in ({"grant_type": "client_credentials", "client_id": str(uuid.uuid4()),
                  "client_secret": "x" * 43},
                 {"grant_type": "client_credentials", "client_id": "not-a-uuid"},
                 {"grant_type": "client_credentials", "client_id": cc_client["id"],
                  "client_secret": "wrong"},
                 {"grant_type": "client_credentials", "client_id": cc_client["id"]},
                 # a public client presenting a secret
                 {**password_form(org_admin), "client_secret": "whatever"}):
        oauth_error(post_form(loopd, TOKEN, form), 401, "invalid_client")


def test_invalid_client_with_basic_has_www_authenticate(loopd, cc_client, org_admin):
    for creds in ((cc_client["id"], "wrong-secret"), (str(uuid.uuid4()), "x"),
                  (org_admin.client_id, "a-secret-for-a-public-client")):
        r = post_form(loopd, TOKEN, {"grant_type": "client_credentials"}, auth=creds)
        oauth_error(r, 401, "invalid_client")
        assert r.headers.get("WWW-Authenticate", "").startswith("Basic"), r.headers


def test_malformed_basic_header_is_invalid_client(loopd):
    r = post_form(loopd, TOKEN, {"grant_type": "client_credentials"},
                  headers={"Authorization": "Basic !!!not-base64"})
    oauth_error(r, 401, "invalid_client")


def test_invalid_grant_wrong_password(loopd, people):
    p = people["recruiter"]
    oauth_error(post_form(loopd, TOKEN, password_form(p, password="wrong-password-123")),
                400, "invalid_grant")


def test_invalid_grant_user_of_another_org(loopd, people, new_org):
    """The user is looked up in the client's organisation."""
    other = new_org()
    p = people["recruiter"]
    oauth_error(post_form(loopd, TOKEN, password_form(p, client_id=other.client_id)),
                400, "invalid_grant")


def test_unauthorized_client(loopd, org_admin, cc_client, people):
    # the public first-party client has no secret: no client credentials
    r = post_form(loopd, TOKEN, {"grant_type": "client_credentials",
                                 "client_id": org_admin.client_id})
    oauth_error(r, 400, "unauthorized_client")
    # a client without the password grant
    p = people["recruiter"]
    form = {"grant_type": "password", "username": p.email, "password": p.password}
    r = post_form(loopd, TOKEN, form, auth=(cc_client["id"], cc_client["client_secret"]))
    oauth_error(r, 400, "unauthorized_client")
    # a client without the refresh_token grant
    r = post_form(loopd, TOKEN, {"grant_type": "refresh_token", "refresh_token": "x" * 43},
                  auth=(cc_client["id"], cc_client["client_secret"]))
    oauth_error(r, 400, "unauthorized_client")


def test_password_grant_needs_first_party(loopd, org_admin, people):
    """A confidential client with the password grant but not first-party."""
    r = org_admin.api.post("/v1/clients", json={"name": "3rd", "grants": ["password"],
                                                "scopes": ["loops:read"]})
    assert r.status_code == 201
    c = r.json()
    assert c["first_party"] is False
    p = people["recruiter"]
    r = post_form(loopd, TOKEN, {"grant_type": "password", "username": p.email,
                                 "password": p.password},
                  auth=(c["id"], c["client_secret"]))
    oauth_error(r, 400, "unauthorized_client")


@pytest.mark.parametrize("grant", ["authorization_code", "implicit", "PASSWORD",
                                   "urn:ietf:params:oauth:grant-type:jwt-bearer", ""])
def test_unsupported_grant_type(loopd, org_admin, grant):
    r = post_form(loopd, TOKEN, {"grant_type": grant, "client_id": org_admin.client_id})
    oauth_error(r, 400, "unsupported_grant_type")


def test_invalid_scope(loopd, people, cc_client):
    p = people["interviewer"]
    oauth_error(post_form(loopd, TOKEN, password_form(p, scope="no:such")), 400, "invalid_scope")
    oauth_error(post_form(loopd, TOKEN, password_form(p, scope="users:admin")), 400,
                "invalid_scope")
    r = post_form(loopd, TOKEN, {"grant_type": "client_credentials", "scope": "users:admin"},
                  auth=(cc_client["id"], cc_client["client_secret"]))
    oauth_error(r, 400, "invalid_scope")


def test_token_endpoint_wants_a_form(loopd, org_admin):
    r = loopd.api().post(TOKEN, json=password_form(org_admin))
    problem(r, 415, "unsupported_media_type")


def test_token_endpoint_is_post_only(loopd):
    r = loopd.api().get(TOKEN)
    assert r.status_code == 405 and "POST" in r.headers["Allow"]


# -- scopes ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_default_scopes_follow_the_roles(loopd, people, role):
    body = people[role].login()
    assert body["scope"] == canonical_scopes(ROLE_SCOPES[role])
    r = me(loopd, body["access_token"])
    assert r.status_code == 200 and r.json()["scope"] == body["scope"]


def test_scope_intersection(loopd, people):
    p = people["interviewer"]
    body = p.login(scope="users:admin loops:read")
    assert body["scope"] == "loops:read"
    assert jwt_parts(body["access_token"])[1]["scope"] == "loops:read"
    assert me(loopd, body["access_token"]).json()["scope"] == "loops:read"
    # a narrower token cannot reach what the role could
    body = people["admin"].login(scope="loops:read")
    assert body["scope"] == "loops:read"
    problem(loopd.api(token=body["access_token"]).get("/v1/users"), 403, "insufficient_scope")


def test_multiple_roles_get_the_union(loopd, org_admin):
    p, _ = user_with_token(org_admin, roles=("interviewer", "hiring_manager"))
    assert p.login()["scope"] == canonical_scopes(ROLE_SCOPES["interviewer"]
                                                  | ROLE_SCOPES["hiring_manager"])


def test_refresh_can_narrow_but_not_widen(loopd, people):
    p = people["recruiter"]
    body = p.login()
    r = post_form(loopd, TOKEN, refresh_form(p, body["refresh_token"], scope="loops:read"))
    assert r.status_code == 200 and r.json()["scope"] == "loops:read"


def test_failed_refresh_with_invalid_scope_does_not_spend_the_token(loopd, people):
    """An error answer must not rotate the refresh token: after an
    invalid_scope refresh, the same refresh token still works."""
    p = people["interviewer"]
    rt = p.login()["refresh_token"]
    oauth_error(post_form(loopd, TOKEN, refresh_form(p, rt, scope="users:admin")), 400,
                "invalid_scope")
    r = post_form(loopd, TOKEN, refresh_form(p, rt))
    assert r.status_code == 200, (
        f"the refresh token was spent by a refused request: {r.status_code} {r.text}")


def test_refresh_follows_role_changes(loopd, org_admin):
    """Scopes are re-derived from the user's current roles on refresh."""
    p, _ = user_with_token(org_admin, roles=("admin",))
    body = p.login()
    assert "users:admin" in body["scope"].split()
    r = org_admin.api.get(f"/v1/users/{p.user_id}")
    r = org_admin.api.patch(f"/v1/users/{p.user_id}", json={"roles": ["interviewer"]},
                            headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.text
    r = post_form(loopd, TOKEN, refresh_form(p, body["refresh_token"]))
    assert r.status_code == 200
    assert r.json()["scope"] == canonical_scopes(ROLE_SCOPES["interviewer"])


# -- refresh rotation, reuse, races ------------------------------------------------


def test_refresh_rotation(loopd, people):
    p = people["hiring_manager"]
    first = p.login()
    r = post_form(loopd, TOKEN, refresh_form(p, first["refresh_token"]))
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert me(loopd, second["access_token"]).json()["id"] == p.user_id
    r = post_form(loopd, TOKEN, refresh_form(p, second["refresh_token"]))
    assert r.status_code == 200
    third = r.json()
    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3


def test_refresh_reuse_revokes_the_family(loopd, people, audited):
    p = people["hiring_manager"]
    first = p.login()
    second = post_form(loopd, TOKEN, refresh_form(p, first["refresh_token"])).json()
    with audited(p, "token.refresh_reuse_detected", entity_type="refresh_family") as w:
        w.response = r = post_form(loopd, TOKEN, refresh_form(p, first["refresh_token"]))
        oauth_error(r, 400, "invalid_grant")
    # the whole family is dead, including the newest token
    oauth_error(post_form(loopd, TOKEN, refresh_form(p, second["refresh_token"])), 400,
                "invalid_grant")
    # other families of the same user live on
    other = p.login()
    assert post_form(loopd, TOKEN, refresh_form(p, other["refresh_token"])).status_code == 200


def test_refresh_token_of_another_client_is_invalid_grant(loopd, people, org_admin):
    r = org_admin.api.post("/v1/clients", json={"name": "fp2", "first_party": True,
                                                "grants": ["password", "refresh_token"],
                                                "scopes": ["loops:read"]})
    assert r.status_code == 201
    c = r.json()
    p = people["recruiter"]
    rt = p.login()["refresh_token"]
    r = post_form(loopd, TOKEN, {"grant_type": "refresh_token", "refresh_token": rt},
                  auth=(c["id"], c["client_secret"]))
    oauth_error(r, 400, "invalid_grant")
    # and the owner's token still works
    assert post_form(loopd, TOKEN, refresh_form(p, rt)).status_code == 200


def test_unknown_refresh_token_is_invalid_grant(loopd, people):
    p = people["recruiter"]
    oauth_error(post_form(loopd, TOKEN, refresh_form(p, b64u(os.urandom(32)))), 400,
                "invalid_grant")


def test_refresh_family_expires_after_30_days(loopd, people, db):
    p = people["recruiter"]
    rt = p.login()["refresh_token"]
    with db.cursor() as cur:
        cur.execute("SELECT family_expires_at - created_at FROM refresh_tokens"
                    " WHERE token_hash = %s", (hashlib.sha256(rt.encode()).hexdigest(),))
        (lifetime,) = cur.fetchone()
    assert lifetime.days == 30
    second = post_form(loopd, TOKEN, refresh_form(p, rt)).json()["refresh_token"]
    with db.cursor() as cur:
        # the successor keeps the family's absolute end, not a new 30 days
        cur.execute("SELECT count(DISTINCT family_expires_at) FROM refresh_tokens WHERE"
                    " family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = %s)",
                    (hashlib.sha256(second.encode()).hexdigest(),))
        assert cur.fetchone()[0] == 1
        cur.execute("UPDATE refresh_tokens SET family_expires_at = now() - interval '1 second'"
                    " WHERE token_hash = %s", (hashlib.sha256(second.encode()).hexdigest(),))
    oauth_error(post_form(loopd, TOKEN, refresh_form(p, second)), 400, "invalid_grant")


def test_concurrent_refresh_exactly_one_wins(loopd, people):
    """Two threads present one refresh token at the same moment: exactly one
    200 (repeated, so the requests really overlap at least once)."""
    p = people["interviewer"]
    for _ in range(4):
        rt = p.login()["refresh_token"]
        barrier = threading.Barrier(2)
        results = []

        def go():
            api = loopd.api()
            barrier.wait()
            results.append(api.post(TOKEN, data=refresh_form(p, rt), check=False))

        threads = [threading.Thread(target=go) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        codes = sorted(r.status_code for r in results)
        assert codes == [200, 400], [(r.status_code, r.text) for r in results]
        for r in results:
            contract.check(r)
            if r.status_code == 400:
                assert r.json()["error"] == "invalid_grant"


# -- throttling and login failures ---------------------------------------------------


def test_throttle_after_five_failures_and_recovery(loopd, org_admin, db):
    p, _ = user_with_token(org_admin, roles=("recruiter",))
    forget_login_failures(db)
    for _ in range(5):
        oauth_error(post_form(loopd, TOKEN, password_form(p, password="wrong-password-xx")),
                    400, "invalid_grant")
    for form in (password_form(p), password_form(p, password="wrong-password-xx")):
        r = post_form(loopd, TOKEN, form)
        problem(r, 429, "too_many_requests")
        assert 1 <= int(r.headers["Retry-After"]) <= 900
    # the same email in upper case is the same account
    r = post_form(loopd, TOKEN, {**password_form(p), "username": p.email.upper()})
    problem(r, 429, "too_many_requests")
    # another account is not affected
    assert post_form(loopd, TOKEN, password_form(org_admin)).status_code == 200
    # the window passes
    with db.cursor() as cur:
        cur.execute("UPDATE login_failures SET failed_at = failed_at - interval '16 minutes'"
                    " WHERE key = %s", (f"acct:{p.org_id}:{p.user_id}",))
    r = post_form(loopd, TOKEN, password_form(p))
    assert r.status_code == 200, r.text


def test_success_clears_the_account_counter(loopd, org_admin, db):
    p, _ = user_with_token(org_admin, roles=("recruiter",))
    forget_login_failures(db)
    for _ in range(4):
        post_form(loopd, TOKEN, password_form(p, password="wrong-password-xx"))
    assert post_form(loopd, TOKEN, password_form(p)).status_code == 200
    for _ in range(4):
        post_form(loopd, TOKEN, password_form(p, password="wrong-password-xx"))
    assert post_form(loopd, TOKEN, password_form(p)).status_code == 200


def test_throttle_per_address_after_twenty_failures(loopd, org_admin, db):
    forget_login_failures(db)
    try:
        for i in range(20):
            r = post_form(loopd, TOKEN, {"grant_type": "password",
                                         "username": f"nobody{i}-{uuid.uuid4().hex[:6]}@x.test",
                                         "password": "wrong-password-xx",
                                         "client_id": org_admin.client_id})
            oauth_error(r, 400, "invalid_grant")
        r = post_form(loopd, TOKEN, password_form(org_admin))
        problem(r, 429, "too_many_requests")
        assert int(r.headers["Retry-After"]) >= 1
    finally:
        forget_login_failures(db, "addr:127.0.0.1")
    assert post_form(loopd, TOKEN, password_form(org_admin)).status_code == 200


def test_unknown_user_and_wrong_password_are_identical(loopd, org_admin, people):
    p = people["recruiter"]
    wrong = post_form(loopd, TOKEN, password_form(p, password="not-the-password"))
    unknown = post_form(loopd, TOKEN, {**password_form(p), "username": "ghost@nowhere.test"})
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.content == unknown.content
    skip = {"x-request-id", "date"}
    assert ({k.lower(): v for k, v in wrong.headers.items() if k.lower() not in skip}
            == {k.lower(): v for k, v in unknown.headers.items() if k.lower() not in skip})


def test_unknown_user_costs_a_password_hash(loopd, org_admin, people, db):
    """An unknown user is verified against a dummy hash: it costs about as
    much as a wrong password (no fast path that reveals which emails exist)."""
    p = people["interviewer"]

    def timed(form):
        t = time.monotonic()
        post_form(loopd, TOKEN, form, check=False)
        return time.monotonic() - t

    wrong, unknown = [], []
    for i in range(3):
        wrong.append(timed(password_form(p, password=f"wrong-password-{i}")))
        unknown.append(timed({**password_form(p), "username": f"ghost{i}@nowhere.test"}))
    forget_login_failures(db)
    assert statistics.median(unknown) > 0.4 * statistics.median(wrong), (wrong, unknown)


def test_disabled_user(loopd, org_admin, db):
    p, token = user_with_token(org_admin, roles=("recruiter",))
    login = p.login()
    r = org_admin.api.get(f"/v1/users/{p.user_id}")
    r = org_admin.api.patch(f"/v1/users/{p.user_id}", json={"disabled": True},
                            headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200 and r.json()["disabled"] is True
    # refresh tokens die at once
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM refresh_tokens WHERE user_id = %s AND revoked_at IS"
                    " NULL", (p.user_id,))
        assert cur.fetchone()[0] == 0
    oauth_error(post_form(loopd, TOKEN, refresh_form(p, login["refresh_token"])), 400,
                "invalid_grant")
    # logins fail, with the same answer as a wrong password
    r = post_form(loopd, TOKEN, password_form(p))
    oauth_error(r, 400, "invalid_grant")
    wrong = post_form(loopd, TOKEN, password_form(p, password="wrong-password-xx"))
    assert r.content == wrong.content
    # enabling again lets them in
    r = org_admin.api.get(f"/v1/users/{p.user_id}")
    r = org_admin.api.patch(f"/v1/users/{p.user_id}", json={"disabled": False},
                            headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200
    forget_login_failures(db)
    assert post_form(loopd, TOKEN, password_form(p)).status_code == 200


# -- key rotation (own loopd: it deletes keys) --------------------------------------


def test_key_rotation(fresh_loopd):
    server = fresh_loopd()
    admin = server.bootstrap()
    old_token = admin.login()["access_token"]
    old_kid = jwt_parts(old_token)[0]["kid"]
    out = server.run("admin", "rotate-keys")
    assert out.returncode == 0, out.stderr
    new_kid = json.loads(out.stdout.strip().splitlines()[-1])["kid"]
    assert new_kid != old_kid
    time.sleep(3)  # the key cache lives 2 s
    new_token = admin.login()["access_token"]
    assert jwt_parts(new_token)[0]["kid"] == new_kid
    assert me(server, old_token).status_code == 200, "the previous key must still verify"
    assert me(server, new_token).status_code == 200
    conn = server.db()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT kid, retired_at IS NOT NULL FROM signing_keys ORDER BY created_at")
            assert cur.fetchall() == [(old_kid, True), (new_kid, False)]
            cur.execute("DELETE FROM signing_keys WHERE kid = %s", (old_kid,))
    finally:
        conn.close()
    time.sleep(3)
    assert_invalid_token(me(server, old_token))
    assert me(server, new_token).status_code == 200


# -- tenant isolation -----------------------------------------------------------------


def test_cross_org_ids_answer_404(loopd, org_admin, new_org):
    other = new_org()
    api = org_admin.api
    problem(api.get(f"/v1/users/{other.user_id}"), 404, "not_found")
    problem(api.patch(f"/v1/users/{other.user_id}", json={"name": "x"},
                      headers={"If-Match": '"1"'}), 404, "not_found")
    problem(api.delete(f"/v1/clients/{other.client_id}"), 404, "not_found")
    ids = [u["id"] for u in api.get("/v1/users?limit=200").json()["data"]]
    assert other.user_id not in ids
    ids = [c["id"] for c in api.get("/v1/clients?limit=200").json()["data"]]
    assert other.client_id not in ids
    r = api.get(f"/v1/audit-events?entity_id={other.user_id}")
    assert r.status_code == 200 and r.json()["data"] == []
    # and the other org's user still exists, untouched
    r = other.api.get(f"/v1/users/{other.user_id}")
    assert r.status_code == 200 and r.json()["version"] == 1


def test_absent_ids_answer_404(org_admin):
    problem(org_admin.api.get(f"/v1/users/{uuid.uuid4()}"), 404, "not_found")
    problem(org_admin.api.delete(f"/v1/clients/{uuid.uuid4()}"), 404, "not_found")
    problem(org_admin.api.get("/v1/users/not-a-uuid"), 400, "invalid_path_id")


# -- revocation (RFC 7009) ---------------------------------------------------------------


def test_revoke_unknown_token_is_200(loopd, org_admin):
    r = post_form(loopd, REVOKE, {"token": "no-such-token", "client_id": org_admin.client_id})
    assert r.status_code == 200 and r.content == b""


def test_revoke_refresh_token(loopd, people, audited):
    p = people["recruiter"]
    login = p.login()
    with audited(p, "token.revoked", entity_type="refresh_family") as w:
        w.response = r = post_form(loopd, REVOKE, {"token": login["refresh_token"],
                                                   "token_type_hint": "refresh_token",
                                                   "client_id": p.client_id})
        assert r.status_code == 200
    oauth_error(post_form(loopd, TOKEN, refresh_form(p, login["refresh_token"])), 400,
                "invalid_grant")
    # revoking again is still 200, and writes nothing
    with audited.none(p, allow=()):
        r = post_form(loopd, REVOKE, {"token": login["refresh_token"], "client_id": p.client_id})
        assert r.status_code == 200


def test_revoke_access_token_is_200(loopd, people):
    """Access tokens are not revocable (they expire within 15 minutes)."""
    p = people["recruiter"]
    token = p.login()["access_token"]
    r = post_form(loopd, REVOKE, {"token": token, "client_id": p.client_id})
    assert r.status_code == 200


def test_revoke_by_another_client_leaves_the_token(loopd, people, cc_client):
    p = people["recruiter"]
    rt = p.login()["refresh_token"]
    r = post_form(loopd, REVOKE, {"token": rt},
                  auth=(cc_client["id"], cc_client["client_secret"]))
    assert r.status_code == 200
    assert post_form(loopd, TOKEN, refresh_form(p, rt)).status_code == 200


def test_revoke_errors(loopd, org_admin, cc_client):
    oauth_error(post_form(loopd, REVOKE, {"client_id": org_admin.client_id}), 400,
                "invalid_request")
    oauth_error(post_form(loopd, REVOKE, {"token": "x"}), 400, "invalid_request")
    r = post_form(loopd, REVOKE, {"token": "x"}, auth=(cc_client["id"], "wrong"))
    oauth_error(r, 401, "invalid_client")
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    r = loopd.api().post(REVOKE, data="token=a&token=b&client_id=" + org_admin.client_id,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    oauth_error(r, 400, "invalid_request")


# -- introspection (RFC 7662) -------------------------------------------------------------


def test_introspect_as_client_with_basic(loopd, people, cc_client):
    p = people["interviewer"]
    login = p.login()
    creds = (cc_client["id"], cc_client["client_secret"])
    r = post_form(loopd, INTROSPECT, {"token": login["access_token"]}, auth=creds)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["active"] is True and body["token_type"] == "access_token"
    assert body["sub"] == p.user_id and body["org"] == p.org_id
    assert body["scope"] == login["scope"] and body["roles"] == ["interviewer"]
    r = post_form(loopd, INTROSPECT, {"token": login["refresh_token"]}, auth=creds)
    body = r.json()
    assert body["active"] is True and body["token_type"] == "refresh_token"
    assert body["sub"] == p.user_id and body["client_id"] == p.client_id
    # client credentials in the body work too
    r = post_form(loopd, INTROSPECT, {"token": login["access_token"], "client_id": creds[0],
                                      "client_secret": creds[1]})
    assert r.json()["active"] is True


def test_introspect_as_admin_bearer(loopd, org_admin, people):
    p = people["recruiter"]
    login = p.login()
    r = post_form(loopd, INTROSPECT, {"token": login["refresh_token"]},
                  headers={"Authorization": f"Bearer {org_admin.token}"})
    assert r.status_code == 200 and r.json()["active"] is True


@pytest.mark.parametrize("what", ["garbage", "forged", "rotated_refresh", "expired_access",
                                  "empty"])
def test_introspect_inactive_is_exactly_active_false(loopd, people, cc_client, forge, what):
    p = people["recruiter"]
    if what == "garbage":
        token = "garbage"
    elif what == "forged":
        token = forge.sign(secret=os.urandom(32))
    elif what == "expired_access":
        token = forge.sign(exp=NOW() - 3600, nbf=NOW() - 7200, iat=NOW() - 7200)
    elif what == "empty":
        token = ""
    else:
        rt = p.login()["refresh_token"]
        assert post_form(loopd, TOKEN, refresh_form(p, rt)).status_code == 200
        token = rt
    r = post_form(loopd, INTROSPECT, {"token": token},
                  auth=(cc_client["id"], cc_client["client_secret"]))
    assert r.status_code == 200
    assert r.content == b'{"active":false}'


def test_introspect_another_orgs_token_is_inactive(loopd, cc_client, new_org):
    other = new_org()
    login = other.login()
    creds = (cc_client["id"], cc_client["client_secret"])
    for token in (login["access_token"], login["refresh_token"]):
        r = post_form(loopd, INTROSPECT, {"token": token}, auth=creds)
        assert r.status_code == 200 and r.content == b'{"active":false}'


def test_introspect_needs_a_client_or_an_admin(loopd, org_admin, people, cc_client):
    token = people["recruiter"].token
    # nobody
    r = post_form(loopd, INTROSPECT, {"token": token})
    assert r.status_code in (400, 401) and "active" not in r.json()
    # a public client (no secret to prove)
    oauth_error(post_form(loopd, INTROSPECT, {"token": token, "client_id": org_admin.client_id}),
                401, "invalid_client")
    # a wrong secret
    r = post_form(loopd, INTROSPECT, {"token": token}, auth=(cc_client["id"], "nope"))
    oauth_error(r, 401, "invalid_client")
    # a bearer token without users:admin
    r = post_form(loopd, INTROSPECT, {"token": token},
                  headers={"Authorization": f"Bearer {people['interviewer'].token}"})
    oauth_error(r, 401, "invalid_client")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    # a forged bearer token
    r = post_form(loopd, INTROSPECT, {"token": token},
                  headers={"Authorization": "Bearer x.y.z"})
    oauth_error(r, 401, "invalid_client")


# -- clients API -------------------------------------------------------------------------


def test_clients_api(loopd, org_admin, audited):
    api = org_admin.api
    with audited(org_admin, "client.created", entity_type="client") as w:
        w.response = r = api.post("/v1/clients", json={
            "name": "reporting", "grants": ["client_credentials"],
            "scopes": ["loops:read", "decisions:read", "loops:read"]})
        assert r.status_code == 201, r.text
        w.entity_id = r.json()["id"]
    c = r.json()
    assert r.headers["Location"] == f"/v1/clients/{c['id']}"
    assert c["scopes"] == ["loops:read", "decisions:read"] and c["confidential"] is True
    secret = c["client_secret"]
    assert len(secret) >= 40
    assert secret not in json.dumps(w.event)
    # shown once: never in the list
    listed = [x for x in api.get("/v1/clients?limit=200").json()["data"] if x["id"] == c["id"]]
    assert len(listed) == 1 and "client_secret" not in listed[0]
    # client credentials, by Basic and in the body
    r = post_form(loopd, TOKEN, {"grant_type": "client_credentials"}, auth=(c["id"], secret))
    assert r.status_code == 200, r.text
    tok = r.json()
    assert "refresh_token" not in tok and tok["scope"] == "loops:read decisions:read"
    r = post_form(loopd, TOKEN, {"grant_type": "client_credentials", "client_id": c["id"],
                                 "client_secret": secret, "scope": "decisions:read"})
    assert r.status_code == 200 and r.json()["scope"] == "decisions:read"
    body = me(loopd, tok["access_token"]).json()
    assert body == {"kind": "client", "id": c["id"], "org_id": org_admin.org_id,
                    "scope": "loops:read decisions:read"}
    # a client token has no users:admin, and no password
    problem(loopd.api(token=tok["access_token"]).get("/v1/users"), 403, "insufficient_scope")
    r = loopd.api(token=tok["access_token"]).post("/v1/me/password", json={
        "current_password": "x" * 12, "new_password": "y" * 12})
    assert r.status_code == 403
    # delete: 204, then the client cannot get tokens
    with audited(org_admin, "client.revoked", entity_type="client", entity_id=c["id"]) as w:
        w.response = r = api.delete(f"/v1/clients/{c['id']}")
        assert r.status_code == 204 and r.content == b""
    oauth_error(post_form(loopd, TOKEN, {"grant_type": "client_credentials"},
                          auth=(c["id"], secret)), 401, "invalid_client")
    assert c["id"] not in [x["id"] for x in api.get("/v1/clients?limit=200").json()["data"]]
    problem(api.delete(f"/v1/clients/{c['id']}"), 404, "not_found")


def test_deleting_a_client_revokes_its_refresh_tokens(loopd, org_admin, people):
    r = org_admin.api.post("/v1/clients", json={"name": "cli", "first_party": True,
                                                "grants": ["password", "refresh_token"],
                                                "scopes": ["loops:read", "candidates:read"]})
    c = r.json()
    p = people["recruiter"]
    creds = (c["id"], c["client_secret"])
    r = post_form(loopd, TOKEN, {"grant_type": "password", "username": p.email,
                                 "password": p.password}, auth=creds)
    assert r.status_code == 200, r.text
    login = r.json()
    assert login["scope"] == "candidates:read loops:read"  # the client's ∩ the role's
    assert org_admin.api.delete(f"/v1/clients/{c['id']}").status_code == 204
    r = post_form(loopd, TOKEN, {"grant_type": "refresh_token",
                                 "refresh_token": login["refresh_token"]}, auth=creds)
    oauth_error(r, 401, "invalid_client")
    conn = loopd.db()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM refresh_tokens WHERE client_id = %s"
                        " AND revoked_at IS NULL", (c["id"],))
            assert cur.fetchone()[0] == 0
    finally:
        conn.close()


def test_client_create_validation(org_admin):
    r = org_admin.api.post("/v1/clients", json={"name": "", "grants": ["implicit"],
                                                "scopes": ["everything"]})
    assert r.status_code == 422
    fields = {e["field"].split("[")[0] for e in r.json()["errors"]}
    assert {"name", "grants", "scopes"} <= fields, r.json()


# -- users API --------------------------------------------------------------------------


def test_users_api(loopd, org_admin):
    api = org_admin.api
    email = f"Mixed.{uuid.uuid4().hex[:8]}@Example.test"
    r = api.post("/v1/users", json={"email": email, "name": "Grace", "password": "p" * 12,
                                    "roles": ["recruiter", "interviewer", "recruiter"]})
    assert r.status_code == 201, r.text
    u = r.json()
    assert r.headers["Location"] == f"/v1/users/{u['id']}"
    assert r.headers["ETag"] == '"1"' and u["version"] == 1
    assert sorted(u["roles"]) == ["interviewer", "recruiter"] and u["disabled"] is False
    # email is unique per org, case-insensitively
    r = api.post("/v1/users", json={"email": email.lower(), "name": "G2", "password": "p" * 12,
                                    "roles": ["recruiter"]})
    problem(r, 409, "duplicate")
    r = api.get(f"/v1/users/{u['id']}")
    assert r.status_code == 200 and r.json() == u and r.headers["ETag"] == '"1"'
    # the user logs in with any case of the email
    r = post_form(loopd, TOKEN, {"grant_type": "password", "username": email.upper(),
                                 "password": "p" * 12, "client_id": org_admin.client_id})
    assert r.status_code == 200, r.text


def test_users_validation_names_every_field(org_admin):
    r = org_admin.api.post("/v1/users", json={"email": "nope", "name": "", "roles": ["king"],
                                              "password": "short"})
    assert r.status_code == 422
    fields = {e["field"].split("[")[0] for e in r.json()["errors"]}
    assert {"email", "name", "roles", "password"} <= fields, r.json()


def test_users_list_pagination(org_admin):
    for _ in range(3):
        org_admin.make_user()
    api = org_admin.api
    everyone = api.get("/v1/users?limit=200").json()["data"]
    assert len(everyone) >= 4
    seen, cursor = [], None
    while True:
        r = api.get("/v1/users?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200
        page = r.json()
        assert len(page["data"]) <= 2
        seen += page["data"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [u["id"] for u in seen] == [u["id"] for u in everyone]
    problem(api.get("/v1/users?cursor=forged.cursor"), 400, "invalid_cursor")
    problem(api.get("/v1/users?limit=0"), 400, "invalid_query")
    problem(api.get("/v1/users?limit=201"), 400, "invalid_query")


def test_patch_user_if_match(org_admin):
    p = org_admin.make_user()
    api = org_admin.api
    url = f"/v1/users/{p.user_id}"
    problem(api.patch(url, json={"name": "No Etag"}), 428, "precondition_required")
    r = api.patch(url, json={"name": "First"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.headers["ETag"] == '"2"'
    problem(api.patch(url, json={"name": "Stale"}, headers={"If-Match": '"1"'}), 412,
            "precondition_failed")
    problem(api.patch(url, json={"name": "Bad"}, headers={"If-Match": "two"}), 412,
            "precondition_failed")
    r = api.patch(url, json={"name": "Weak ok"}, headers={"If-Match": 'W/"2"'})
    assert r.status_code == 200 and r.json()["name"] == "Weak ok"
    r = api.patch(url, json={"roles": ["emperor"]}, headers={"If-Match": '"3"'})
    assert r.status_code == 422
    assert api.get(url).json()["name"] == "Weak ok"


# -- /v1/me and password change -------------------------------------------------------


def test_me(loopd, people):
    p = people["hiring_manager"]
    r = loopd.api(token=p.token).get("/v1/me")
    assert r.status_code == 200
    body = r.json()
    assert body["kind"] == "user" and body["id"] == p.user_id and body["org_id"] == p.org_id
    assert body["email"] == p.email and body["roles"] == ["hiring_manager"]
    assert r.headers["ETag"] == f'"{body["version"]}"'


def test_password_change(loopd, org_admin):
    p, token = user_with_token(org_admin, roles=("interviewer",))
    login = p.login()
    api = loopd.api(token=token)
    r = api.post("/v1/me/password", json={"current_password": "wrong-password-1",
                                          "new_password": "a-brand-new-password"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["current_password"]
    r = api.post("/v1/me/password", json={"current_password": p.password,
                                          "new_password": "short"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["new_password"]
    r = api.post("/v1/me/password", json={"current_password": p.password,
                                          "new_password": "a-brand-new-password"})
    assert r.status_code == 204 and r.content == b""
    # the old password fails, the new one works
    oauth_error(post_form(loopd, TOKEN, password_form(p)), 400, "invalid_grant")
    p.password = "a-brand-new-password"
    assert post_form(loopd, TOKEN, password_form(p)).status_code == 200
    # other sessions end: the earlier refresh token is dead
    oauth_error(post_form(loopd, TOKEN, refresh_form(p, login["refresh_token"])), 400,
                "invalid_grant")


# -- role x endpoint matrix ----------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix(org_admin):
    """Users of each role (tokens fetched now), and a target user to read and change."""
    users = {role: org_admin.make_user(roles=[role]) for role in ROLES}
    for u in users.values():
        u.token  # noqa: B018 (log in before any audited block)
    target = org_admin.make_user(roles=["interviewer"])
    return {"users": users, "target": target, "admin": org_admin}


def _new_client(admin):
    r = admin.api.post("/v1/clients", json={"name": "tmp", "grants": ["client_credentials"],
                                            "scopes": ["loops:read"]})
    assert r.status_code == 201
    return r.json()["id"]


def _etag(admin, user_id):
    return admin.api.get(f"/v1/users/{user_id}").headers["ETag"]


# route -> (needed scope or None, success status, audit action or None,
#           function(ctx, principal) -> (method, path, kwargs))
MATRIX = {
    "GET /v1/me": (None, 200, None, lambda m, p: ("GET", "/v1/me", {})),
    "POST /v1/me/password": (None, 204, "user.password_changed", lambda m, p: (
        "POST", "/v1/me/password",
        {"json": {"current_password": p.password, "new_password": p.password + "-next"}})),
    "GET /v1/users": ("users:admin", 200, None, lambda m, p: ("GET", "/v1/users", {})),
    "POST /v1/users": ("users:admin", 201, "user.created", lambda m, p: (
        "POST", "/v1/users", {"json": {"email": f"m{uuid.uuid4().hex[:10]}@example.test",
                                       "name": "M", "roles": ["interviewer"],
                                       "password": "p" * 12}})),
    "GET /v1/users/{id}": ("users:admin", 200, None, lambda m, p: (
        "GET", f"/v1/users/{m['target'].user_id}", {})),
    "PATCH /v1/users/{id}": ("users:admin", 200, "user.updated", lambda m, p: (
        "PATCH", f"/v1/users/{m['target'].user_id}",
        {"json": {"name": f"n{uuid.uuid4().hex[:6]}"},
         "headers": {"If-Match": _etag(m["admin"], m["target"].user_id)}})),
    "GET /v1/clients": ("users:admin", 200, None, lambda m, p: ("GET", "/v1/clients", {})),
    "POST /v1/clients": ("users:admin", 201, "client.created", lambda m, p: (
        "POST", "/v1/clients", {"json": {"name": "x", "grants": ["client_credentials"],
                                         "scopes": ["loops:read"]}})),
    "DELETE /v1/clients/{id}": ("users:admin", 204, "client.revoked", lambda m, p: (
        "DELETE", f"/v1/clients/{_new_client(m['admin'])}", {})),
    "GET /v1/audit-events": ("audit:read", 200, None, lambda m, p: (
        "GET", "/v1/audit-events", {})),
    "GET /v1/audit-events/verify": ("audit:read", 200, None, lambda m, p: (
        "GET", "/v1/audit-events/verify", {})),
}


def test_matrix_covers_every_authenticated_operation(openapi):
    """Every bearer-authenticated operation of issues 3 and 4 is in the matrix."""
    ours = {"/v1/me", "/v1/me/password", "/v1/users", "/v1/users/{id}", "/v1/clients",
            "/v1/clients/{id}", "/v1/audit-events", "/v1/audit-events/verify"}
    documented = set()
    for path, item in openapi.doc["paths"].items():
        if path not in ours:
            continue
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                documented.add(f"{method.upper()} {path}")
                sec = op.get("security", openapi.doc.get("security"))
                scopes = {s for req in sec for v in req.values() for s in v}
                if f"{method.upper()} {path}" in MATRIX:
                    need = MATRIX[f"{method.upper()} {path}"][0]
                    assert scopes == ({need} if need else set()), (path, method, scopes)
    assert documented == set(MATRIX), documented ^ set(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_role_endpoint_matrix(loopd, matrix, audited, role, route):
    need, ok_status, action, build = MATRIX[route]
    p = matrix["users"][role]
    allowed = need is None or need in ROLE_SCOPES[role]
    method, path, kw = build(matrix, p)
    api = loopd.api(token=p.token)
    if allowed:
        if action:
            with audited(p, action) as w:
                w.response = r = api.request(method, path, **kw)
                assert r.status_code == ok_status, r.text
        else:
            with audited.none(p, allow=()):
                r = api.request(method, path, **kw)
                assert r.status_code == ok_status, r.text
        if route == "POST /v1/me/password":
            p.password = kw["json"]["new_password"]
    else:
        with audited(p, "access.denied", entity_type="route", actor_id=p.user_id) as w:
            w.response = r = api.request(method, path, **kw)
            problem(r, 403, "insufficient_scope")
        assert w.event["changes"] == {"method": method, "route": route.split(" ", 1)[1]}
        assert f'scope="{need}"' in r.headers["WWW-Authenticate"]


# -- passwords and bootstrap ------------------------------------------------------------------


def test_login_rehashes_weaker_password_hashes(fresh_loopd):
    """A login whose stored hash has weaker argon2id parameters than
    configured re-hashes the password with the configured ones."""
    server = fresh_loopd()
    admin = server.bootstrap()

    def stored_hash():
        conn = server.db()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT password_hash FROM users WHERE id = %s", (admin.user_id,))
                return cur.fetchone()[0]
        finally:
            conn.close()

    assert stored_hash().startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    server.stop()
    server.env["LOOP_ARGON_ITERATIONS"] = "3"
    server.start()
    assert admin.login()["access_token"]
    assert stored_hash().startswith("$argon2id$v=19$m=19456,t=3,p=1$")
    assert admin.login()["access_token"]  # and the new hash verifies


def test_bootstrap_reads_the_password_from_stdin(loopd):
    email = f"stdin-{uuid.uuid4().hex[:8]}@example.test"
    assert "LOOP_ADMIN_PASSWORD" not in loopd.env
    out = loopd.run("admin", "bootstrap", "--org", "Stdin Org", "--email", email,
                    input="a-password-from-stdin\n")
    assert out.returncode == 0, out.stderr
    ids = json.loads(out.stdout.strip())
    assert set(ids) == {"org_id", "user_id", "client_id"}
    r = post_form(loopd, TOKEN, {"grant_type": "password", "username": email,
                                 "password": "a-password-from-stdin",
                                 "client_id": ids["client_id"]})
    assert r.status_code == 200, r.text
    assert r.json()["scope"] == " ".join(ALL_SCOPES)


@pytest.mark.parametrize("args,password", [
    (["--org", "X", "--email", "a@b.test"], "short"),
    (["--org", "X", "--email", "not-an-email"], "long-enough-password"),
    (["--email", "a@b.test"], "long-enough-password"),
])
def test_bootstrap_refuses_bad_input(loopd, args, password):
    out = loopd.run("admin", "bootstrap", *args, env={"LOOP_ADMIN_PASSWORD": password})
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert out.stdout.strip() == ""


# -- contract corners ---------------------------------------------------------------------


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_every_authenticated_operation_is_401_without_a_token(loopd, route):
    method, template = route.split(" ", 1)
    path = template.replace("{id}", str(uuid.uuid4()))
    kw = {"json": {}} if method in ("POST", "PATCH") else {}
    r = loopd.api().request(method, path, **kw)
    problem(r, 401, "unauthenticated")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", [TOKEN, REVOKE, INTROSPECT])
def test_form_endpoints_refuse_other_media_and_large_bodies(loopd, path):
    problem(loopd.api().post(path, json={"token": "x"}), 415, "unsupported_media_type")
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{loopd.port}\r\nConnection: close\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 2000000\r\n\r\n").encode()
    r = loopd.raw(head)
    contract.check_parts("POST", path, r.status_code, r.headers, r.content)
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"
