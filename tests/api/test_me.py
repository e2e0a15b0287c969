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


def test_me_text_follows_each_token_scope_and_each_change(loopd, org_admin):
    """GET /v1/me is rendered once per user version and token scope: two
    tokens of one user with different scopes each see their own scope, a
    304 needs the current version, and a rename shows at once."""
    p, narrow = user_with_token(org_admin, roles=("interviewer",), scope="loops:read")
    wide = p.token
    for _ in range(2):	# the second read of each comes from memory
        a = loopd.api(token=narrow).get("/v1/me")
        b = loopd.api(token=wide).get("/v1/me")
        assert a.json()["scope"] == "loops:read"
        assert b.json()["scope"] != "loops:read" and "loops:read" in b.json()["scope"]
        assert {k: v for k, v in a.json().items() if k != "scope"} == \
            {k: v for k, v in b.json().items() if k != "scope"}
    tag = b.headers["ETag"]
    assert loopd.api(token=wide).get("/v1/me", headers={"If-None-Match": tag}).status_code == 304
    r = org_admin.api.patch(f"/v1/users/{p.user_id}", json={"name": "Renamed Person"},
                            headers={"If-Match": tag})
    assert r.status_code == 200
    after = loopd.api(token=wide).get("/v1/me", headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.json()["name"] == "Renamed Person"
    assert after.headers["ETag"] != tag
    assert loopd.api(token=narrow).get("/v1/me").json()["name"] == "Renamed Person"
