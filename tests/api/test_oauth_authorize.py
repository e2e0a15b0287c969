"""Black-box tests of the authorization code flow with PKCE: the sign-in
page (GET/POST /oauth/authorize), the code exchange at /oauth/token, the
metadata document, public clients, the console client and the per-org
password-grant switch. State lives in an organisation of this module's own
(`org_admin`) on the shared loopd."""

import urllib.parse

import pytest

from helpers import (ROLE_SCOPES, TOKEN, canonical_scopes, count, me, oauth_error, post_form,
                     problem_of, wait_for)
from oauth_flow import (CSP, SignIn, authorize_query, code_client, code_for, exchange, pkce,
                        redirect_params)

pytestmark = pytest.mark.usefixtures("no_throttle_spill")

URI = "https://app.example.test/callback"
LOOPBACK = "http://127.0.0.1:8765/cb"


@pytest.fixture(scope="module")
def client(org_admin):
    return code_client(org_admin, [URI, LOOPBACK])


@pytest.fixture(scope="module")
def user(org_admin):
    return org_admin.make_user(roles=["interviewer"])


def signed_in(loopd, client, user, uri=URI, **over):
    verifier, challenge = pkce()
    s = SignIn(loopd)
    q = authorize_query(client["id"], uri, challenge, **over)
    assert s.open(q).status_code == 200
    return s, q, verifier


# -- the page ------------------------------------------------------------------


def test_page_has_strict_headers_and_no_script(loopd, client):
    s = SignIn(loopd)
    r = s.open(authorize_query(client["id"], URI, pkce()[1]))
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Content-Security-Policy"] == CSP
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Cache-Control"] == "no-store"
    assert "<script" not in r.text.lower() and " on" not in r.text.lower().replace(" one", "")
    assert 'name="csrf_token"' in r.text and 'type="password"' in r.text
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_state_round_trips_and_code_exchanges(loopd, client, user):
    s, q, verifier = signed_in(loopd, client, user, state="a b&c=d/é")
    loc, params = redirect_params(s.submit(user.email, user.password))
    assert f"{loc.scheme}://{loc.netloc}{loc.path}" == URI
    assert params["state"] == "a b&c=d/é"
    r = exchange(loopd, client, params["code"], URI, verifier)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["scope"] == canonical_scopes(ROLE_SCOPES["interviewer"] & {
        "loops:read", "candidates:read", "scorecards:write"})
    assert me(loopd, body["access_token"]).json()["id"] == user.id
    # a public client refreshes with its client_id only
    r = post_form(loopd, TOKEN, {"grant_type": "refresh_token", "client_id": client["id"],
                                 "refresh_token": body["refresh_token"]})
    assert r.status_code == 200, r.text
    assert me(loopd, r.json()["access_token"]).status_code == 200


def test_requested_scope_is_narrowed(loopd, client, user):
    code, verifier = code_for(loopd, client, user, URI, scope="loops:read")
    assert exchange(loopd, client, code, URI, verifier).json()["scope"] == "loops:read"


def test_loopback_http_redirect_works(loopd, client, user):
    code, verifier = code_for(loopd, client, user, LOOPBACK)
    assert exchange(loopd, client, code, LOOPBACK, verifier).status_code == 200


# -- PKCE ----------------------------------------------------------------------


@pytest.mark.parametrize("over, why", [
    ({"code_challenge": None}, "code_challenge is required"),
    ({"code_challenge_method": "plain"}, "S256"),
    ({"code_challenge_method": None}, "S256"),
    ({"code_challenge": "short"}, "43"),
    ({"response_type": "token"}, None),
    ({"scope": "loops:read nonsense"}, None),
])
def test_bad_requests_go_back_with_error_and_state(loopd, client, over, why):
    q = authorize_query(client["id"], URI, pkce()[1], **over)
    loc, params = redirect_params(SignIn(loopd).open(q))
    assert f"{loc.scheme}://{loc.netloc}{loc.path}" == URI
    assert params["state"] == q["state"]
    expected = {"response_type": "unsupported_response_type", "scope": "invalid_scope"}
    assert params["error"] == expected.get(next(iter(over)), "invalid_request")
    assert "code" not in params
    if why:
        assert why in params["error_description"]


def test_wrong_verifier_is_refused(loopd, client, user):
    code, verifier = code_for(loopd, client, user, URI)
    r = exchange(loopd, client, code, URI, pkce()[0])
    assert "code_verifier" in oauth_error(r, 400, "invalid_grant")["error_description"]


def test_missing_verifier_is_refused(loopd, client, user):
    code, verifier = code_for(loopd, client, user, URI)
    oauth_error(exchange(loopd, client, code, URI, None), 400, "invalid_request")
    assert exchange(loopd, client, code, URI, verifier).status_code == 200


# -- the code -----------------------------------------------------------------


def test_code_reuse_is_refused_and_revokes_the_first_tokens(loopd, client, user, org_admin, db):
    code, verifier = code_for(loopd, client, user, URI)
    first = exchange(loopd, client, code, URI, verifier).json()
    assert me(loopd, first["access_token"]).status_code == 200
    r = exchange(loopd, client, code, URI, verifier)
    assert "used already" in oauth_error(r, 400, "invalid_grant")["error_description"]
    assert me(loopd, first["access_token"], check=True).status_code == 401
    r = post_form(loopd, TOKEN, {"grant_type": "refresh_token", "client_id": client["id"],
                                 "refresh_token": first["refresh_token"]})
    oauth_error(r, 400, "invalid_grant")
    assert count(db, "SELECT count(*) FROM audit_events WHERE org_id = %s AND action ="
                 " 'oauth.code_reuse_detected' AND entity_id = %s", org_admin.org_id,
                 user.id) >= 1


def test_code_of_another_client_is_refused(loopd, client, user, org_admin):
    other = code_client(org_admin, [URI])
    code, verifier = code_for(loopd, client, user, URI)
    oauth_error(exchange(loopd, other, code, URI, verifier), 400, "invalid_grant")
    assert exchange(loopd, client, code, URI, verifier).status_code == 200


def test_code_for_another_redirect_uri_is_refused(loopd, client, user):
    code, verifier = code_for(loopd, client, user, URI)
    r = exchange(loopd, client, code, LOOPBACK, verifier)
    assert "redirect_uri" in oauth_error(r, 400, "invalid_grant")["error_description"]


def test_unknown_code_is_refused(loopd, client):
    oauth_error(exchange(loopd, client, "x" * 43, URI, pkce()[0]), 400, "invalid_grant")


def test_expired_code_is_refused(fresh_loopd):
    server = fresh_loopd(env={"LOOP_CODE_TTL": "1"})  # the test-only lifetime
    admin = server.bootstrap()
    c = code_client(admin, [URI])
    code, verifier = code_for(server, c, admin, URI)
    conn = server.db()
    try:
        assert wait_for(lambda: count(conn, "SELECT count(*) FROM authorization_codes"
                                            " WHERE expires_at <= now()") == 1)
    finally:
        conn.close()
    r = exchange(server, c, code, URI, verifier)
    assert "expired" in oauth_error(r, 400, "invalid_grant")["error_description"]


def test_code_lifetime_is_sixty_seconds(loopd, client, user, db):
    code_for(loopd, client, user, URI)
    lifetime = count(db, "SELECT extract(epoch FROM max(expires_at - now()))::int"
                     " FROM authorization_codes WHERE user_id = %s", user.id)
    assert 50 <= lifetime <= 60


# -- open redirects ------------------------------------------------------------


@pytest.mark.parametrize("uri", [
    "https://evil.example.test/callback",
    "https://app.example.test.evil.test/callback",
    "https://app.example.test/callback/../evil",
    "https://app.example.test/callback#frag",
    "https://app.example.test/callback?x=1",
    "https://evil.test@app.example.test/callback",
    "https://app.example.test@evil.test/callback",
    "https://APP.example.test/callback",
    "http://app.example.test/callback",
    "https://app.example.test/callbac",
    "",
])
def test_unregistered_redirect_uri_gets_a_page_never_a_redirect(loopd, client, uri):
    r = SignIn(loopd).open(authorize_query(client["id"], uri, pkce()[1]))
    assert r.status_code == 400
    assert "Location" not in r.headers
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Content-Security-Policy"] == CSP


@pytest.mark.parametrize("client_id", ["", "not-a-client", "00000000-0000-0000-0000-000000000000"])
def test_unknown_client_gets_a_page(loopd, client_id):
    r = SignIn(loopd).open(authorize_query(client_id, URI, pkce()[1]))
    assert r.status_code == 400 and "Location" not in r.headers


@pytest.mark.parametrize("uri", [
    "https://a.test/cb#x", "ftp://a.test/cb", "https://u:p@a.test/cb", "http://a.test/cb",
    "https://*.a.test/cb", "/relative", "https://a.test/" + "x" * 600,
])
def test_bad_redirect_uris_are_refused_at_registration(org_admin, uri):
    r = org_admin.api.post("/v1/clients", json={
        "name": "x", "grants": ["authorization_code"], "scopes": ["loops:read"],
        "redirect_uris": [uri], "public": True})
    body = problem_of(r, 422, "validation_failed")
    assert body["errors"][0]["field"].startswith("redirect_uris")


# -- the sign-in form ----------------------------------------------------------


@pytest.mark.parametrize("csrf", [None, "", "1.AAAA", "forged"])
def test_sign_in_without_the_right_csrf_token_is_refused(loopd, client, user, csrf):
    s, q, verifier = signed_in(loopd, client, user)
    r = s.submit(user.email, user.password, csrf_token=csrf)
    assert r.status_code == 403 and "Location" not in r.headers
    assert r.headers["Content-Security-Policy"] == CSP


def test_csrf_token_is_bound_to_the_browser_and_the_request(loopd, client, user):
    s, q, verifier = signed_in(loopd, client, user)
    other = SignIn(loopd)  # another browser with the same form (no cookie of its own)
    other.page = s.page
    assert other.submit(user.email, user.password).status_code == 403
    r = s.submit(user.email, user.password, code_challenge=pkce()[1])
    assert r.status_code == 403  # the token was made for another challenge
    assert s.submit(user.email, user.password).status_code == 302


def test_wrong_password_and_unknown_email_reshow_the_same_form(loopd, client, user):
    s, q, verifier = signed_in(loopd, client, user)
    wrong = s.submit(user.email, "wrong password!")
    unknown = s.submit("nobody-" + user.email, "wrong password!")
    for r in (wrong, unknown):
        assert r.status_code == 200 and "Location" not in r.headers
        assert "The email or password is wrong." in r.text
        assert r.headers["Content-Security-Policy"] == CSP
    assert redirect_params(s.submit(user.email, user.password))[1]["state"] == q["state"]


def test_disabled_user_cannot_sign_in(loopd, client, org_admin):
    u = org_admin.make_user(roles=["interviewer"])
    assert org_admin.api.patch(f"/v1/users/{u.id}", json={"disabled": True},
                               headers={"If-Match": '"1"'}).status_code == 200
    s, q, verifier = signed_in(loopd, client, u)
    assert "The email or password is wrong." in s.submit(u.email, u.password).text


def test_sign_in_page_is_throttled_like_the_token_endpoint(loopd, client, org_admin):
    u = org_admin.make_user(roles=["interviewer"])
    s, q, verifier = signed_in(loopd, client, u)
    for _ in range(5):
        assert s.submit(u.email, "wrong password!").status_code == 200
    r = s.submit(u.email, u.password)
    problem_of(r, 429, "too_many_requests")
    assert int(r.headers["Retry-After"]) >= 1
    # the same account counter as the password grant
    r = post_form(loopd, TOKEN, {"grant_type": "password", "username": u.email,
                                 "password": u.password, "client_id": org_admin.client_id})
    assert r.status_code == 429


def test_sign_in_is_audited(loopd, client, user, org_admin, db):
    code_for(loopd, client, user, URI)
    for action in ("login.succeeded", "oauth.code_issued"):
        assert count(db, "SELECT count(*) FROM audit_events WHERE org_id = %s AND action = %s"
                     " AND actor_id = %s", org_admin.org_id, action, user.id) >= 1


# -- clients -----------------------------------------------------------------


def test_public_client_has_no_secret_and_only_code_grants(org_admin):
    body = {"name": "spa", "grants": ["authorization_code", "password"], "scopes": ["loops:read"],
            "redirect_uris": [URI], "public": True}
    problem_of(org_admin.api.post("/v1/clients", json=body), 422, "validation_failed")
    body["grants"] = ["client_credentials"]
    problem_of(org_admin.api.post("/v1/clients", json=body), 422, "validation_failed")
    body["grants"] = ["authorization_code"]
    created = org_admin.api.post("/v1/clients", json=body).json()
    assert "client_secret" not in created and created["public"] and not created["confidential"]
    assert created["redirect_uris"] == [URI]


def test_public_client_cannot_use_client_credentials_or_password(loopd, client, user):
    r = post_form(loopd, TOKEN, {"grant_type": "client_credentials", "client_id": client["id"]})
    oauth_error(r, 401, "invalid_client")
    r = post_form(loopd, TOKEN, {"grant_type": "password", "client_id": client["id"],
                                 "username": user.email, "password": user.password})
    oauth_error(r, 400, "unauthorized_client")


def test_confidential_code_client_needs_its_secret(loopd, org_admin, user):
    c = code_client(org_admin, [URI], public=False)
    code, verifier = code_for(loopd, c, user, URI)
    secret = c.pop("client_secret")
    oauth_error(exchange(loopd, c, code, URI, verifier), 401, "invalid_client")
    c["client_secret"] = secret
    assert exchange(loopd, c, code, URI, verifier).status_code == 200


def test_code_grant_needs_redirect_uris(org_admin):
    r = org_admin.api.post("/v1/clients", json={"name": "x", "grants": ["authorization_code"],
                                                "scopes": ["loops:read"]})
    assert problem_of(r, 422, "validation_failed")["errors"][0]["field"] == "redirect_uris"


# -- the console client and the metadata ---------------------------------------


def test_console_client_signs_in_people_of_any_org(loopd, new_org):
    admin = new_org()
    uri = loopd.url + "/app/"
    console = {"id": "loopd-console"}
    code, verifier = code_for(loopd, console, admin, uri)
    body = exchange(loopd, console, code, uri, verifier).json()
    assert body["scope"] == canonical_scopes(ROLE_SCOPES["admin"])
    assert me(loopd, body["access_token"]).json()["id"] == admin.user_id
    r = post_form(loopd, TOKEN, {"grant_type": "refresh_token", "client_id": "loopd-console",
                                 "refresh_token": body["refresh_token"]})
    assert r.status_code == 200, r.text
    r = SignIn(loopd).open(authorize_query("loopd-console", "https://evil.test/app/", pkce()[1]))
    assert r.status_code == 400 and "Location" not in r.headers


def test_metadata_document(loopd):
    r = loopd.api().get("/.well-known/oauth-authorization-server")
    assert r.status_code == 200
    m = r.json()
    base = loopd.url
    assert m["issuer"] == base
    assert m["authorization_endpoint"] == base + "/oauth/authorize"
    assert m["token_endpoint"] == base + "/oauth/token"
    assert m["revocation_endpoint"] == base + "/oauth/revoke"
    assert m["introspection_endpoint"] == base + "/oauth/introspect"
    assert m["code_challenge_methods_supported"] == ["S256"]
    assert m["response_types_supported"] == ["code"]
    assert {"authorization_code", "refresh_token"} <= set(m["grant_types_supported"])
    assert set(m["scopes_supported"]) == set(ROLE_SCOPES["admin"])
    assert "none" in m["token_endpoint_auth_methods_supported"]


# -- the per-org password switch -----------------------------------------------


def test_org_can_turn_the_password_grant_off(loopd, new_org, db):
    admin = new_org()
    token = admin.token
    api = loopd.api(token=token)
    assert api.get("/v1/org").json()["password_grant"] is True
    r = api.patch("/v1/org", json={"password_grant": False})
    assert r.status_code == 200 and r.json()["password_grant"] is False
    r = post_form(loopd, TOKEN, {"grant_type": "password", "username": admin.email,
                                 "password": admin.password, "client_id": admin.client_id})
    assert "turned the password grant off" in oauth_error(r, 400, "unauthorized_client")[
        "error_description"]
    assert count(db, "SELECT count(*) FROM audit_events WHERE org_id = %s AND action ="
                 " 'org.updated'", admin.org_id) == 1
    uri = loopd.url + "/app/"
    code, verifier = code_for(loopd, {"id": "loopd-console"}, admin, uri)
    assert exchange(loopd, {"id": "loopd-console"}, code, uri, verifier).status_code == 200
    assert api.patch("/v1/org", json={"password_grant": True}).status_code == 200
    assert post_form(loopd, TOKEN, {"grant_type": "password", "username": admin.email,
                                    "password": admin.password,
                                    "client_id": admin.client_id}).status_code == 200


def test_org_settings_need_an_admin(loopd, org_admin):
    u = org_admin.make_user(roles=["recruiter"])
    r = loopd.api(token=u.token).patch("/v1/org", json={"password_grant": False})
    problem_of(r, 403, "insufficient_scope")


def test_unknown_refresh_token_for_console_is_invalid_grant(loopd):
    r = post_form(loopd, TOKEN, {"grant_type": "refresh_token", "client_id": "loopd-console",
                                 "refresh_token": "z" * 43})
    oauth_error(r, 400, "invalid_grant")


def test_query_parameters_are_encoded_in_the_redirect(loopd, client, user):
    s, q, verifier = signed_in(loopd, client, user, state="x&code=injected")
    loc, params = redirect_params(s.submit(user.email, user.password))
    assert params["state"] == "x&code=injected"
    assert urllib.parse.parse_qs(loc.query)["code"] != ["injected"]


def test_revoking_the_family_ends_its_access_tokens(loopd, client, user):
    code, verifier = code_for(loopd, client, user, URI)
    body = exchange(loopd, client, code, URI, verifier).json()
    r = post_form(loopd, TOKEN, {"grant_type": "refresh_token", "client_id": client["id"],
                                 "refresh_token": body["refresh_token"]})
    refreshed = r.json()
    assert me(loopd, refreshed["access_token"]).status_code == 200
    r = post_form(loopd, "/oauth/revoke", {"token": refreshed["refresh_token"],
                                           "client_id": client["id"]})
    assert r.status_code == 200
    assert me(loopd, refreshed["access_token"]).status_code == 401
    assert me(loopd, body["access_token"]).status_code == 401


def test_console_sign_in_of_an_unknown_email_reshows_the_form(loopd, new_org):
    admin = new_org()
    uri = loopd.url + "/app/"
    s = SignIn(loopd)
    q = authorize_query("loopd-console", uri, pkce()[1])
    assert s.open(q).status_code == 200
    for email in ("nobody-" + admin.email, admin.email):
        r = s.submit(email, "wrong password!")
        assert r.status_code == 200 and "The email or password is wrong." in r.text
    assert redirect_params(s.submit(admin.email, admin.password))[1]["state"] == q["state"]


def test_an_email_in_two_orgs_needs_the_org_link(loopd, new_org):
    email = f"twice-{pkce()[0][:10].lower()}@example.test"
    first = new_org(email=email)
    new_org(email=email)
    s = SignIn(loopd)
    assert s.open(authorize_query("loopd-console", loopd.url + "/app/", pkce()[1])).status_code == 200
    assert "sign-in link" in s.submit(email, first.password).text
    s = SignIn(loopd)
    q = authorize_query("loopd-console", loopd.url + "/app/", pkce()[1], org=first.org_id)
    assert s.open(q).status_code == 200
    assert redirect_params(s.submit(email, first.password))[1]["state"] == q["state"]


@pytest.mark.parametrize("body", [{}, {"password_grant": "no"}, {"password_grant": None},
                                  {"password_grant": False, "name": "x"}])
def test_org_patch_refuses_bad_bodies_and_changes_nothing(loopd, org_admin, body):
    api = loopd.api(token=org_admin.token)
    problem_of(api.patch("/v1/org", json=body), 422, "validation_failed")
    assert api.get("/v1/org").json()["password_grant"] is True


def test_console_row_is_neither_listed_nor_deletable(loopd, new_org, db):
    admin = new_org()
    row = count(db, "SELECT id::text FROM clients WHERE org_id = %s AND builtin = 'loopd-console'",
                admin.org_id)
    listed = [c["id"] for c in admin.api.get("/v1/clients").json()["data"]]
    assert row not in listed and admin.client_id in listed
    problem_of(admin.api.delete(f"/v1/clients/{row}"), 404, "not_found")


def test_public_url_names_the_issuer_and_the_console_redirect(fresh_loopd):
    server = fresh_loopd(env={"LOOP_PUBLIC_URL": "https://loopd.example.test/"})
    m = server.api().get("/.well-known/oauth-authorization-server").json()
    assert m["issuer"] == "https://loopd.example.test"
    assert m["token_endpoint"] == "https://loopd.example.test/oauth/token"
    s = SignIn(server)
    ok = s.open(authorize_query("loopd-console", "https://loopd.example.test/app/", pkce()[1]))
    assert ok.status_code == 200 and "Secure" in ok.headers["Set-Cookie"]
    wrong = SignIn(server).open(authorize_query("loopd-console", server.url + "/app/", pkce()[1]))
    assert wrong.status_code == 400
