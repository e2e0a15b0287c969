"""Black-box tests of POST /oauth/revoke (RFC 7009): unknown and access
tokens answer 200, a revoked refresh token is dead (and revoking it again
writes nothing), another client cannot revoke a token, and malformed
requests are RFC 6749 errors.

State lives in an organisation of this module's own (`org_admin`)."""

import pytest

from helpers import REVOKE, TOKEN, oauth_error, post_form, refresh_form

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


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
    # no client authentication at all is invalid_client (RFC 6749 5.2)
    oauth_error(post_form(loopd, REVOKE, {"token": "x"}), 401, "invalid_client")
    r = post_form(loopd, REVOKE, {"token": "x"}, auth=(cc_client["id"], "wrong"))
    oauth_error(r, 401, "invalid_client")
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    r = loopd.api().post(REVOKE, data="token=a&token=b&client_id=" + org_admin.client_id,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    oauth_error(r, 400, "invalid_request")
