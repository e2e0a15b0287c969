"""Black-box tests of bearer access tokens: forged and broken tokens (alg
none, RS256, HS512, a wrong key, tampered parts, expired, wrong claims, an
unknown kid, ...) are 401 invalid_token, while the real token re-signed is
accepted (so each 401 means something); a real token's claims; 60 s of
leeway; a refresh token is no bearer; and key rotation (`loopd admin
rotate-keys`): the previous key verifies until it is deleted.

The key-rotation test runs its own loopd because it deletes signing keys."""

import hashlib
import json
import os
import time
import uuid

import pytest

from helpers import (ALL_SCOPES, DROP, NOW, assert_invalid_token, b64u, compact, jwt_parts,
                     jwt_sign, me, problem_of)

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


@pytest.fixture(scope="module")
def admin_login(org_admin):
    """One password-grant token response of the module's admin."""
    return org_admin.login()


FORGERIES = {
    "alg_none_unsigned": lambda f: f"{b64u(compact({**f.header, 'alg': 'none'}))}."
                                   f"{b64u(compact(f.payload))}.",
    "alg_none_signed": lambda f: f.with_header(alg="none"),
    "alg_RS256": lambda f: f.with_header(alg="RS256"),
    "alg_ES256": lambda f: f.with_header(alg="ES256"),
    "alg_lowercase_hs256": lambda f: f.with_header(alg="hs256"),
    "alg_HS512": lambda f: jwt_sign({**f.header, "alg": "HS512"}, f.payload, f.secret,
                                    hashlib.sha512),
    "wrong_key": lambda f: f.sign(secret=os.urandom(32)),
    "tampered_payload": lambda f: ".".join([f.token.split(".")[0],
                                            b64u(compact({**f.payload, "sub": str(uuid.uuid4())})),
                                            f.token.split(".")[2]]),
    "tampered_signature": lambda f: f.token[:-4] + ("AAAA" if not f.token.endswith("AAAA")
                                                    else "BBBB"),
    "four_segments": lambda f: f.token + "." + f.token.split(".")[2],
    "two_segments": lambda f: ".".join(f.token.split(".")[:2]),
    "nine_kib": lambda f: f.sign(pad="x" * 9 * 1024),
    "expired": lambda f: f.sign(iat=NOW() - 2000, nbf=NOW() - 2000, exp=NOW() - 120),
    "nbf_in_the_future": lambda f: f.sign(nbf=NOW() + 300, exp=NOW() + 900),
    "wrong_iss": lambda f: f.sign(iss="someone-else"),
    "wrong_aud": lambda f: f.sign(aud="another-api"),
    "exp_as_string": lambda f: f.sign(exp=str(NOW() + 600)),
    "exp_as_float": lambda f: f.sign(exp=float(NOW() + 600)),
    "missing_exp": lambda f: f.sign(exp=DROP),
    "missing_nbf": lambda f: f.sign(nbf=DROP),
    "nbf_as_string": lambda f: f.sign(nbf=str(NOW() - 10)),
    "unknown_kid": lambda f: f.with_header(kid="no-such-key"),
    "missing_kid": lambda f: f.sign(header={k: v for k, v in f.header.items() if k != "kid"}),
    "not_an_access_token": lambda f: f.sign(tt="refresh"),
    "missing_token_type": lambda f: f.sign(tt=DROP),
    "sub_not_uuid": lambda f: f.sign(sub="admin"),
    "payload_not_json": lambda f: f.sign(payload=b"not json"),
    "garbage": lambda f: "not-a-token",
}


# -- forged and broken access tokens -----------------------------------------


def test_forger_control_a_resigned_token_is_accepted(loopd, forge):
    """The forging helpers are right: the real token re-signed unchanged, and
    one with new iat/nbf/exp, verify (so every 401 below is meaningful)."""
    r = loopd.api(token=forge.sign()).get("/v1/users")
    assert r.status_code == 200, r.text
    r = loopd.api(token=forge.sign(iat=NOW(), nbf=NOW(), exp=NOW() + 300)).get("/v1/users")
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("case", sorted(FORGERIES))
def test_forged_or_broken_token_is_401(loopd, forge, case):
    token = FORGERIES[case](forge)
    r = loopd.api(token=token).get("/v1/users")
    assert_invalid_token(r)


def test_refresh_token_as_bearer_is_401(loopd, admin_login):
    assert_invalid_token(loopd.api(token=admin_login["refresh_token"]).get("/v1/me"))


def test_missing_and_non_bearer_credentials_are_401(loopd, org_admin):
    r = loopd.api().get("/v1/me")
    problem_of(r, 401, "unauthenticated")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = loopd.api().get("/v1/me", headers={"Authorization": f"Basic {b64u(b'a:b')}"})
    assert r.status_code == 401
    r = loopd.api().get("/v1/me", headers={"Authorization": "Bearer "})
    problem_of(r, 401, "invalid_token")


def test_exp_within_leeway_is_accepted(loopd, forge):
    """60 s of clock skew are allowed on exp and nbf."""
    assert loopd.api(token=forge.sign(exp=NOW() - 30)).get("/v1/me").status_code == 200
    assert loopd.api(token=forge.sign(nbf=NOW() + 30)).get("/v1/me").status_code == 200


def test_access_token_claims(org_admin, admin_login, signing_key):
    h, p = jwt_parts(admin_login["access_token"])
    assert h["alg"] == "HS256" and h["kid"] == signing_key[0]
    assert {"iss", "aud", "sub", "org", "roles", "scope", "iat", "nbf", "exp", "jti"} <= set(p)
    assert p["iss"] == "loopd" and p["aud"] == "loopd-api"
    assert p["sub"] == org_admin.user_id and p["org"] == org_admin.org_id
    assert p["roles"] == ["admin"]
    assert p["exp"] - p["iat"] == 900 == admin_login["expires_in"]
    assert admin_login["token_type"] == "Bearer"
    assert admin_login["scope"] == " ".join(ALL_SCOPES)
    assert p["scope"] == admin_login["scope"]


# -- key rotation (own loopd: it deletes keys) -------------------------------


def test_key_rotation(fresh_loopd):
    server = fresh_loopd()
    admin = server.bootstrap()
    old_token = admin.login()["access_token"]
    old_kid = jwt_parts(old_token)[0]["kid"]
    out = server.run("admin", "rotate-keys")
    assert out.returncode == 0, out.stderr
    new_kid = json.loads(out.stdout.strip().splitlines()[-1])["kid"]
    assert new_kid != old_kid
    time.sleep(3)  # the key cache lives 2 s
    new_token = admin.login()["access_token"]
    assert jwt_parts(new_token)[0]["kid"] == new_kid
    assert me(server, old_token).status_code == 200, "the previous key must still verify"
    assert me(server, new_token).status_code == 200
    conn = server.db()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT kid, retired_at IS NOT NULL FROM signing_keys ORDER BY created_at")
            assert cur.fetchall() == [(old_kid, True), (new_kid, False)]
            cur.execute("DELETE FROM signing_keys WHERE kid = %s", (old_kid,))
    finally:
        conn.close()
    time.sleep(3)
    assert_invalid_token(me(server, old_token))
    assert me(server, new_token).status_code == 200
