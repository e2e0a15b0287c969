"""Black-box tests of POST /oauth/token: RFC 6749 answers (no-store,
invalid_request, invalid_client with and without Basic, invalid_grant,
unauthorized_client, unsupported_grant_type, invalid_scope), the scopes a
token is granted (the roles', narrowed by the request, the union of
several roles), login failures that do not tell an unknown user from a
wrong password (not even by their cost), re-hashing weaker password
hashes, and what the three form endpoints (token, revoke, introspect)
refuse: other media types, large bodies, invalid UTF-8.

State (users, throttles) lives in an organisation of this module's own
(`org_admin`) on the shared loopd."""

import statistics
import time
import uuid

import pytest
import requests

import contract
from helpers import (INTROSPECT, REVOKE, ROLE_SCOPES, ROLES, TOKEN, canonical_scopes,
                     forget_login_failures, jwt_parts, me, oauth_error, password_form, post_form,
                     problem_of, user_with_token)

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


# -- success -----------------------------------------------------------------


def test_token_success_is_no_store(loopd, org_admin):
    r = post_form(loopd, TOKEN, password_form(org_admin))
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers.get("Pragma") == "no-cache"
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}


# -- RFC 6749 errors ---------------------------------------------------------


@pytest.mark.parametrize("body", [
    "username=a%40b.test&password=x",                                   # no grant_type
    "grant_type=password&grant_type=password&username=a%40b.test&password=x",  # repeated
    "grant_type=password&username=a%40b.test&username=b%40b.test&password=x"
    "&client_id={client}",                                              # repeated
    "grant_type=password&password=x&client_id={client}",                # no username
    "grant_type=password&username=a%40b.test&client_id={client}",       # no password
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
    # (the public first-party client doing client_credentials answers as an
    # unknown client would: tests/api/test_hardening_auth.py)
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


@pytest.mark.parametrize("grant", ["implicit", "PASSWORD", "AUTHORIZATION_CODE",
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
    problem_of(r, 415, "unsupported_media_type")


def test_token_endpoint_is_post_only(loopd):
    r = loopd.api().get(TOKEN)
    assert r.status_code == 405 and "POST" in r.headers["Allow"]


# -- scopes ------------------------------------------------------------------


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
    problem_of(loopd.api(token=body["access_token"]).get("/v1/users"), 403, "insufficient_scope")


def test_multiple_roles_get_the_union(loopd, org_admin):
    p, _ = user_with_token(org_admin, roles=("interviewer", "hiring_manager"))
    assert p.login()["scope"] == canonical_scopes(ROLE_SCOPES["interviewer"]
                                                  | ROLE_SCOPES["hiring_manager"])


# -- login failures ----------------------------------------------------------


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


# -- password hashes ---------------------------------------------------------


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


# -- the form endpoints ------------------------------------------------------


@pytest.mark.parametrize("path", [TOKEN, REVOKE, INTROSPECT])
def test_form_endpoints_refuse_other_media_and_large_bodies(loopd, path):
    problem_of(loopd.api().post(path, json={"token": "x"}), 415, "unsupported_media_type")
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{loopd.port}\r\nConnection: close\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 2000000\r\n\r\n").encode()
    r = loopd.raw(head)
    contract.check_parts("POST", path, r.status_code, r.headers, r.content)
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"


def test_invalid_utf8_in_a_form_value_is_invalid_request(loopd, admin):
    r = requests.post(loopd.url + TOKEN, data="grant_type=client_credentials&scope=%ff&client_id="
                      + admin.client_id,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_request"
    assert requests.get(loopd.url + "/healthz").status_code == 200
