"""Black-box tests of GET /v1/me and POST /v1/me/password: who a token
speaks for, and changing one's own password (the current one checked, the
new one long enough, other sessions ended).

State lives in an organisation of this module's own (`org_admin`)."""

import pytest

from helpers import TOKEN, oauth_error, password_form, post_form, refresh_form, user_with_token

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


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
