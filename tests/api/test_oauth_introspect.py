"""Black-box tests of POST /oauth/introspect (RFC 7662): access and
refresh tokens as a confidential client (Basic or in the body) and as an
admin's bearer; an inactive token (garbage, forged, rotated, expired,
another organisation's) answers exactly {"active":false}; and only a
client that proves itself or an admin may ask.

State lives in an organisation of this module's own (`org_admin`)."""

import os

import pytest

from helpers import INTROSPECT, NOW, TOKEN, oauth_error, post_form, refresh_form

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


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
