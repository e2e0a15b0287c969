"""Black-box tests of /v1/users: creating (emails unique per organisation
whatever their case), validation, pagination, If-Match; disabling (refresh
tokens die, logins fail like a wrong password, a disabled admin's token
stops working at once), demoting (admin scopes go at once), keeping the
last admin, and ids of other organisations (users, clients, audit events)
answering 404.

State lives in an organisation of this module's own (`org_admin`)."""

import uuid

import pytest

from helpers import (TOKEN, forget_login_failures, oauth_error, password_form, post_form,
                     problem_of, refresh_form, user_with_token)

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


# -- the users API -----------------------------------------------------------


def test_users_api(loopd, org_admin):
    api = org_admin.api
    email = f"Mixed.{uuid.uuid4().hex[:8]}@Example.test"
    r = api.post("/v1/users", json={"email": email, "name": "Grace", "password": "Plenty-0f-entropy",
                                    "roles": ["recruiter", "interviewer", "recruiter"]})
    assert r.status_code == 201, r.text
    u = r.json()
    assert r.headers["Location"] == f"/v1/users/{u['id']}"
    assert r.headers["ETag"] == '"1"' and u["version"] == 1
    assert sorted(u["roles"]) == ["interviewer", "recruiter"] and u["disabled"] is False
    # email is unique per org, case-insensitively
    r = api.post("/v1/users", json={"email": email.lower(), "name": "G2", "password": "Plenty-0f-entropy",
                                    "roles": ["recruiter"]})
    problem_of(r, 409, "duplicate")
    r = api.get(f"/v1/users/{u['id']}")
    assert r.status_code == 200 and r.json() == u and r.headers["ETag"] == '"1"'
    # the user logs in with any case of the email
    r = post_form(loopd, TOKEN, {"grant_type": "password", "username": email.upper(),
                                 "password": "Plenty-0f-entropy", "client_id": org_admin.client_id})
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
    problem_of(api.get("/v1/users?cursor=forged.cursor"), 400, "invalid_cursor")
    problem_of(api.get("/v1/users?limit=0"), 400, "invalid_query")
    problem_of(api.get("/v1/users?limit=201"), 400, "invalid_query")


def test_patch_user_if_match(org_admin):
    p = org_admin.make_user()
    api = org_admin.api
    url = f"/v1/users/{p.user_id}"
    problem_of(api.patch(url, json={"name": "No Etag"}), 428, "precondition_required")
    r = api.patch(url, json={"name": "First"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.headers["ETag"] == '"2"'
    problem_of(api.patch(url, json={"name": "Stale"}, headers={"If-Match": '"1"'}), 412,
               "precondition_failed")
    problem_of(api.patch(url, json={"name": "Bad"}, headers={"If-Match": "two"}), 412,
               "precondition_failed")
    # If-Match compares strongly (RFC 9110 13.1.1): a weak validator never matches
    problem_of(api.patch(url, json={"name": "Weak"}, headers={"If-Match": 'W/"2"'}), 412,
               "precondition_failed")
    r = api.patch(url, json={"name": "Weak ok"}, headers={"If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["name"] == "Weak ok"
    r = api.patch(url, json={"roles": ["emperor"]}, headers={"If-Match": '"3"'})
    assert r.status_code == 422
    assert api.get(url).json()["name"] == "Weak ok"


# -- disabling and demoting --------------------------------------------------


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


def test_disabled_admin_loses_access_at_once(loopd, admin):
    other, token = user_with_token(admin, roles=("admin",))
    api = loopd.api(token=token)
    assert api.get("/v1/users").status_code == 200
    me = admin.api.get(f"/v1/users/{other.user_id}")
    r = admin.api.patch(f"/v1/users/{other.user_id}", json={"disabled": True},
                        headers={"If-Match": me.headers["ETag"]})
    assert r.status_code == 200, r.text
    r = api.get("/v1/users")
    assert r.status_code == 401
    assert "invalid_token" in r.headers["WWW-Authenticate"]
    # and so cannot re-enable themselves with the token they still hold
    r = api.patch(f"/v1/users/{other.user_id}", json={"disabled": False},
                  headers={"If-Match": '"2"'})
    assert r.status_code == 401


def test_demoted_admin_loses_admin_scopes_at_once(loopd, admin):
    other, token = user_with_token(admin, roles=("admin", "recruiter"))
    me = admin.api.get(f"/v1/users/{other.user_id}")
    r = admin.api.patch(f"/v1/users/{other.user_id}", json={"roles": ["recruiter"]},
                        headers={"If-Match": me.headers["ETag"]})
    assert r.status_code == 200, r.text
    api = loopd.api(token=token)
    assert api.get("/v1/users").status_code == 403
    assert api.get("/v1/candidates").status_code == 200


def test_the_last_admin_cannot_demote_or_disable_themselves(loopd):
    lone = loopd.bootstrap()
    api = lone.api
    etag = api.get(f"/v1/users/{lone.user_id}").headers["ETag"]
    for body in ({"roles": ["interviewer"]}, {"disabled": True}):
        r = api.patch(f"/v1/users/{lone.user_id}", json=body, headers={"If-Match": etag})
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "invalid_state"


# -- tenant isolation --------------------------------------------------------


def test_cross_org_ids_answer_404(loopd, org_admin, new_org):
    other = new_org()
    api = org_admin.api
    problem_of(api.get(f"/v1/users/{other.user_id}"), 404, "not_found")
    problem_of(api.patch(f"/v1/users/{other.user_id}", json={"name": "x"},
                         headers={"If-Match": '"1"'}), 404, "not_found")
    problem_of(api.delete(f"/v1/clients/{other.client_id}"), 404, "not_found")
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
    problem_of(org_admin.api.get(f"/v1/users/{uuid.uuid4()}"), 404, "not_found")
    problem_of(org_admin.api.delete(f"/v1/clients/{uuid.uuid4()}"), 404, "not_found")
    problem_of(org_admin.api.get("/v1/users/not-a-uuid"), 400, "invalid_path_id")
