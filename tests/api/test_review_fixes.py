"""Regression tests for the defects two reviews found; each failed before
its fix (the commit that fixed it says which)."""

import requests

from conftest import forget_login_failures, user_with_token

TOKEN = "/oauth/token"


# -- invalid UTF-8 never crashes the server ----------------------------------------


def test_invalid_utf8_in_a_form_value_is_invalid_request(loopd, admin):
    r = requests.post(loopd.url + TOKEN, data="grant_type=client_credentials&scope=%ff&client_id="
                      + admin.client_id,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_request"
    assert requests.get(loopd.url + "/healthz").status_code == 200


# -- a principal's standing is read on every request -------------------------------


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


def test_deleted_client_token_stops_working(loopd, admin):
    c = admin.api.post("/v1/clients", json={"name": "sync", "grants": ["client_credentials"],
                                            "scopes": ["loops:read"]}).json()
    tok = requests.post(loopd.url + TOKEN, data={"grant_type": "client_credentials"},
                        auth=(c["id"], c["client_secret"])).json()["access_token"]
    assert loopd.api(token=tok).get("/v1/loops").status_code == 200
    assert admin.api.delete(f"/v1/clients/{c['id']}").status_code == 204
    assert loopd.api(token=tok).get("/v1/loops").status_code == 401


# -- no granting beyond what one holds ---------------------------------------------


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


# -- throttles ---------------------------------------------------------------------


def test_throttle_counts_spelling_variants_of_one_account(loopd, admin, db):
    p, _ = user_with_token(admin, roles=("recruiter",))
    forget_login_failures(db)
    form = {"grant_type": "password", "username": p.email, "password": "wrong-password-xx",
            "client_id": admin.client_id}
    for _ in range(5):
        assert requests.post(loopd.url + TOKEN, data=form).status_code == 400
    variant = p.email.replace("i", "\u0130", 1) if "i" in p.email else p.email.upper()
    r = requests.post(loopd.url + TOKEN, data={**form, "username": variant,
                                                "password": p.password})
    assert r.status_code != 200, "a spelling variant of the account escaped its throttle"
    forget_login_failures(db)


def test_password_change_guesses_are_throttled(loopd, admin, db):
    p, token = user_with_token(admin, roles=("interviewer",))
    forget_login_failures(db)
    api = loopd.api(token=token)
    for _ in range(5):
        r = api.post("/v1/me/password", json={"current_password": "guess-guess-guess",
                                              "new_password": "another-long-password"})
        assert r.status_code == 422
    r = api.post("/v1/me/password", json={"current_password": p.password,
                                          "new_password": "another-long-password"})
    assert r.status_code == 429, r.text
    assert int(r.headers["Retry-After"]) >= 1
    forget_login_failures(db)


# -- an org keeps an admin ---------------------------------------------------------


def test_the_last_admin_cannot_demote_or_disable_themselves(loopd):
    lone = loopd.bootstrap()
    api = lone.api
    etag = api.get(f"/v1/users/{lone.user_id}").headers["ETag"]
    for body in ({"roles": ["interviewer"]}, {"disabled": True}):
        r = api.patch(f"/v1/users/{lone.user_id}", json=body, headers={"If-Match": etag})
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "invalid_state"


# -- free text and erasure ---------------------------------------------------------


def test_round_location_is_redacted_in_the_log_and_erased(loopd, team, db):
    cand = team.candidate(name="Quentin Quarles", email="quentin@example.test")
    loop = team.loop(candidate_id=cand["id"])
    rnd = team.round(loop["id"], interviewers=((team.iv[0], "lead"),))
    api = team.api()
    r = api.patch(f"/v1/rounds/{rnd['id']}", json={"location": "Call Quentin Quarles"},
                  headers={"If-Match": f'"{rnd["version"]}"'})
    assert r.status_code == 200, r.text
    assert api.delete(f"/v1/candidates/{cand['id']}").status_code == 204
    with db.cursor() as cur:
        cur.execute("SELECT location FROM rounds WHERE id = %s", (rnd["id"],))
        assert cur.fetchone()[0] is None
        cur.execute("SELECT count(*) FROM audit_events WHERE changes LIKE %s", ("%Quentin%",))
        assert cur.fetchone()[0] == 0


def test_no_new_rounds_for_an_erased_candidate(loopd, team):
    loop = team.loop()
    assert team.api().delete(f"/v1/candidates/{loop['candidate_id']}").status_code == 204
    start, end = team.slot()
    r = team.api().post(f"/v1/loops/{loop['id']}/rounds", json={
        "kind": "system_design", "starts_at": start.isoformat(), "ends_at": end.isoformat()})
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "invalid_state"
    # the loop itself can still be closed
    r = team.api().post(f"/v1/loops/{loop['id']}/cancel", json={"reason": "candidate erased"})
    assert r.status_code == 200, r.text


def test_empty_patch_is_422_and_changes_nothing(loopd, team):
    cand = team.candidate()
    r = team.api().patch(f"/v1/candidates/{cand['id']}", json={},
                         headers={"If-Match": f'"{cand["version"]}"'})
    assert r.status_code == 422, r.text
    assert team.api().get(f"/v1/candidates/{cand['id']}").json()["version"] == cand["version"]


# -- times loopd cannot represent ---------------------------------------------------


def test_times_beyond_year_9999_are_422(loopd, team):
    loop = team.loop()
    r = team.api().post(f"/v1/loops/{loop['id']}/rounds", json={
        "kind": "system_design", "starts_at": "9999-12-31T22:00:00-05:00",
        "ends_at": "9999-12-31T23:00:00-05:00"})
    assert r.status_code == 422, r.text
    assert "starts_at" in {e["field"] for e in r.json()["errors"]}


def test_offsets_and_fractions_postgres_would_treat_otherwise_are_normalised(loopd, team):
    loop = team.loop()
    r = team.api().post(f"/v1/loops/{loop['id']}/rounds", json={
        "kind": "system_design", "starts_at": "2032-02-07T10:00:00+16:00",
        "ends_at": "2032-02-07T18:00:00.0000006+16:00"})
    assert r.status_code == 201, r.text
    assert r.json()["starts_at"] == "2032-02-06T18:00:00Z"
    assert r.json()["ends_at"] == "2032-02-07T02:00:00Z"


# -- refresh tokens are bound to their client -------------------------------------------


def test_another_client_cannot_trigger_reuse_detection(loopd, admin):
    other_org = loopd.bootstrap()
    login = requests.post(loopd.url + TOKEN, data={
        "grant_type": "password", "username": admin.email, "password": admin.password,
        "client_id": admin.client_id}).json()
    first = login["refresh_token"]
    r = requests.post(loopd.url + TOKEN, data={"grant_type": "refresh_token",
                                               "refresh_token": first,
                                               "client_id": admin.client_id})
    assert r.status_code == 200
    second = r.json()["refresh_token"]
    # the used token, presented by another org's client, changes nothing
    r = requests.post(loopd.url + TOKEN, data={"grant_type": "refresh_token",
                                               "refresh_token": first,
                                               "client_id": other_org.client_id})
    assert r.status_code == 400
    r = requests.post(loopd.url + TOKEN, data={"grant_type": "refresh_token",
                                               "refresh_token": second,
                                               "client_id": admin.client_id})
    assert r.status_code == 200, "another client's replay revoked the family"
