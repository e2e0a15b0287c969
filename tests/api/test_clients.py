"""Black-box tests of /v1/clients: creating (the secret shown once, never
listed nor audited), client credentials by Basic and in the body, what a
client's token may not do, deleting (no more tokens, its refresh tokens
revoked, its access tokens refused at once), validation, and no granting
beyond one's own scopes.

State lives in an organisation of this module's own (`org_admin`)."""

import json

import pytest
import requests

from helpers import TOKEN, me, oauth_error, post_form, problem_of

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


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
    problem_of(loopd.api(token=tok["access_token"]).get("/v1/users"), 403, "insufficient_scope")
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
    problem_of(api.delete(f"/v1/clients/{c['id']}"), 404, "not_found")


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


def test_deleted_client_token_stops_working(loopd, admin):
    c = admin.api.post("/v1/clients", json={"name": "sync", "grants": ["client_credentials"],
                                            "scopes": ["loops:read"]}).json()
    tok = requests.post(loopd.url + TOKEN, data={"grant_type": "client_credentials"},
                        auth=(c["id"], c["client_secret"])).json()["access_token"]
    assert loopd.api(token=tok).get("/v1/loops").status_code == 200
    assert admin.api.delete(f"/v1/clients/{c['id']}").status_code == 204
    assert loopd.api(token=tok).get("/v1/loops").status_code == 401


def test_client_create_validation(org_admin):
    r = org_admin.api.post("/v1/clients", json={"name": "", "grants": ["implicit"],
                                                "scopes": ["everything"]})
    assert r.status_code == 422
    fields = {e["field"].split("[")[0] for e in r.json()["errors"]}
    assert {"name", "grants", "scopes"} <= fields, r.json()


def test_client_with_users_admin_cannot_mint_admins_or_wider_clients(loopd, admin):
    c = admin.api.post("/v1/clients", json={"name": "hr sync", "grants": ["client_credentials"],
                                            "scopes": ["users:admin"]}).json()
    tok = requests.post(loopd.url + TOKEN, data={"grant_type": "client_credentials"},
                        auth=(c["id"], c["client_secret"])).json()["access_token"]
    api = loopd.api(token=tok)
    r = api.post("/v1/users", json={"email": "mint@example.test", "name": "Mint",
                                    "roles": ["admin"], "password": "long-enough-password"})
    assert r.status_code == 403, r.text
    r = api.post("/v1/clients", json={"name": "wider", "grants": ["client_credentials"],
                                      "scopes": ["audit:read"]})
    assert r.status_code == 403, r.text
