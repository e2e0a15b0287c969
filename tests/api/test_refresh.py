"""Black-box tests of the refresh_token grant: rotation, reuse detection
revoking the whole family (which another client's replay cannot trigger),
refresh tokens bound to their client, the family's absolute 30-day end,
exactly one winner of a concurrent refresh, narrowing scopes (a refused
refresh does not spend the token), and scopes re-derived from the user's
current roles.

State lives in an organisation of this module's own (`org_admin`)."""

import hashlib
import os
import threading

import pytest
import requests

import contract
from helpers import (ROLE_SCOPES, TOKEN, b64u, canonical_scopes, me, oauth_error,
                     past_refresh_grace, post_form,
                     refresh_form, user_with_token)

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


# -- rotation, reuse, races --------------------------------------------------


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


def test_refresh_reuse_revokes_the_family(loopd, people, audited, db):
    p = people["hiring_manager"]
    first = p.login()
    second = post_form(loopd, TOKEN, refresh_form(p, first["refresh_token"])).json()
    past_refresh_grace(db, first["refresh_token"])  # a reuse, not a concurrent refresh
    with audited(p, "token.refresh_reuse_detected", entity_type="refresh_family") as w:
        w.response = r = post_form(loopd, TOKEN, refresh_form(p, first["refresh_token"]))
        oauth_error(r, 400, "invalid_grant")
    # the whole family is dead, including the newest token
    oauth_error(post_form(loopd, TOKEN, refresh_form(p, second["refresh_token"])), 400,
                "invalid_grant")
    # other families of the same user live on
    other = p.login()
    assert post_form(loopd, TOKEN, refresh_form(p, other["refresh_token"])).status_code == 200


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


# -- scopes on refresh -------------------------------------------------------


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
