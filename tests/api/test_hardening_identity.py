"""Hardening of identity administration (issue 12): taking a role away
needs the powers that granting it needs, the last first-party client
cannot be deleted (and `loopd admin create-client` recovers an org that
lost it anyway), a calendar feed URL dies with a password change or a
disable, and weak passwords and look-alike emails are refused."""

import uuid

import pytest

from helpers import TOKEN, password_form, post_form, problem_of


def patch_user(api, user_id, body):
    r = api.get(f"/v1/users/{user_id}")
    assert r.status_code == 200, r.text
    return api.patch(f"/v1/users/{user_id}", json=body, headers={"If-Match": r.headers["ETag"]})


# -- users:admin powers ---------------------------------------------------------


def test_narrow_users_admin_token_cannot_disable_or_demote_an_admin(loopd, new_org):
    org = new_org()
    boss = org.make_user(roles=["admin"])
    iv = org.make_user(roles=["interviewer"])
    narrow = loopd.api(token=org.login(scope="users:admin")["access_token"])
    problem_of(patch_user(narrow, boss.user_id, {"disabled": True}), 403, "forbidden")
    problem_of(patch_user(narrow, boss.user_id, {"roles": ["interviewer"]}), 403, "forbidden")
    problem_of(patch_user(narrow, iv.user_id, {"disabled": True}), 403, "forbidden")
    # holding the interviewer's scopes is enough to disable an interviewer
    enough = loopd.api(token=org.login(
        scope="users:admin candidates:read loops:read scorecards:write")["access_token"])
    r = patch_user(enough, iv.user_id, {"disabled": True})
    assert r.status_code == 200, r.text
    problem_of(patch_user(enough, boss.user_id, {"disabled": True}), 403, "forbidden")
    # a full admin token may
    r = patch_user(org.api, boss.user_id, {"roles": ["recruiter"]})
    assert r.status_code == 200, r.text


def test_client_deletion_needs_its_scopes_and_keeps_the_last_first_party(loopd, new_org):
    org = new_org()
    r = org.api.post("/v1/clients", json={"name": "admin-bot", "grants": ["client_credentials"],
                                          "scopes": ["users:admin"]})
    assert r.status_code == 201, r.text
    bot = r.json()
    tok = post_form(loopd, TOKEN, {"grant_type": "client_credentials"},
                    auth=(bot["id"], bot["client_secret"])).json()["access_token"]
    bot_api = loopd.api(token=tok)
    problem_of(bot_api.delete(f"/v1/clients/{org.client_id}"), 403, "forbidden")
    # a full admin cannot delete the only first-party client either
    problem_of(org.api.delete(f"/v1/clients/{org.client_id}"), 409, "invalid_state")
    assert post_form(loopd, TOKEN, password_form(org)).status_code == 200
    # with a second first-party client, the first may go
    r = org.api.post("/v1/clients", json={"name": "console", "grants": ["password"],
                                          "scopes": ["loops:read"], "first_party": True})
    assert r.status_code == 201, r.text
    assert org.api.delete(f"/v1/clients/{org.client_id}").status_code == 204
    problem_of(org.api.delete(f"/v1/clients/{r.json()['id']}"), 409, "invalid_state")


def test_admin_create_client_recovers_sign_in(loopd, new_org, db):
    org = new_org()
    with db.cursor() as cur:  # as an attacker with the old powers would have left it
        cur.execute("UPDATE clients SET revoked_at = now() WHERE org_id = %s", (org.org_id,))
    assert post_form(loopd, TOKEN, password_form(org), check=False).status_code == 401
    out = loopd.run("admin", "create-client", "--org", org.org_id)
    assert out.returncode == 0, out.stderr
    client_id = __import__("json").loads(out.stdout.strip().splitlines()[-1])["client_id"]
    r = post_form(loopd, TOKEN, password_form(org, client_id=client_id))
    assert r.status_code == 200, r.text
    bad = loopd.run("admin", "create-client", "--org", str(uuid.uuid4()))
    assert bad.returncode == 1 and "no such organisation" in bad.stderr


# -- calendar feed URLs -----------------------------------------------------------


def feed(loopd, p):
    r = loopd.api(token=p.token).post("/v1/me/calendar-token")
    assert r.status_code == 201, r.text
    return r.json()["url"]


def test_password_change_ends_the_calendar_feed(loopd, new_org):
    import requests
    org = new_org()
    p = org.make_user(roles=["interviewer"])
    url = feed(loopd, p)
    assert requests.get(url).status_code == 200
    r = p.api.post("/v1/me/password", json={"current_password": p.password,
                                            "new_password": "Another-Str0ng-passphrase!"})
    assert r.status_code == 204, r.text
    assert requests.get(url).status_code in (401, 404)


def test_disable_and_enable_end_the_calendar_feed(loopd, new_org):
    import requests
    org = new_org()
    p = org.make_user(roles=["interviewer"])
    url = feed(loopd, p)
    assert patch_user(org.api, p.user_id, {"disabled": True}).status_code == 200
    assert patch_user(org.api, p.user_id, {"disabled": False}).status_code == 200
    assert requests.get(url).status_code in (401, 404)


# -- weak passwords ------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["aaaaaaaaaaaa", " " * 12, "\u3000" * 12, "abcdefghijklmnop",
                                  "ab" * 15])
def test_weak_passwords_are_refused_saying_why(loopd, org_admin, weak):
    r = org_admin.api.post("/v1/users", json={
        "email": f"w{uuid.uuid4().hex[:10]}@example.test", "name": "Weak", "roles": ["interviewer"],
        "password": weak})
    body = problem_of(r, 422, "validation_failed")
    err = [e for e in body["errors"] if e["field"] == "password"]
    assert err and err[0]["code"] == "weak" and "weak" in err[0]["message"], body


def test_weak_new_password_is_refused(loopd, new_org):
    org = new_org()
    p = org.make_user(roles=["interviewer"])
    r = p.api.post("/v1/me/password", json={"current_password": p.password,
                                            "new_password": "bbbbbbbbbbbbbbbb"})
    body = problem_of(r, 422, "validation_failed")
    assert body["errors"][0]["field"] == "new_password" and body["errors"][0]["code"] == "weak"
