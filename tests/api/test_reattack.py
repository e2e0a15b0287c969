"""Regressions found by the second outside attack (re-attack of the hardening
fixes): lockout of a public client through its failure counter, write skew
that removed every admin, framing gaps (HTTP/1.0 with Transfer-Encoding, a
raw NUL or control byte in the request line, an encoded slash in the path)
and bodies trickled past the header deadline."""

import socket
import threading
import time
import uuid

import pytest


pytestmark = pytest.mark.usefixtures("no_throttle_spill")

SMUGGLED = b"GET /healthz?smuggled HTTP/1.1\r\nHost: x\r\n\r\n"


def audit_actions(principal, action):
    """The org's audit events with this action (every page)."""
    found, cursor = [], None
    while True:
        path = "/v1/audit-events?limit=200" + (f"&cursor={cursor}" if cursor else "")
        r = principal.api.get(path)
        assert r.status_code == 200, r.text
        found += [e for e in r.json()["data"] if e["action"] == action]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return found


def refresh(api, client_id, token):
    return api.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": token,
                                          "client_id": client_id})


# -- a client's failure counter must not lock its users out --------------------------


def test_bad_refresh_tokens_do_not_lock_a_public_client_out(loopd, new_org):
    """Anyone who knows the (public) sign-in client's id could send ten bad
    refresh tokens and stop every login of the org for 15 minutes."""
    boss = new_org()
    session = boss.login()
    api = loopd.api()
    for _ in range(12):
        r = refresh(api, boss.client_id, "guess-" + uuid.uuid4().hex)
        assert r.status_code in (400, 429), r.text
    assert r.status_code == 429 and r.headers.get("Retry-After")
    # past the limit the guesses are refused without an event each
    assert len(audit_actions(boss, "token.refresh_failed")) == 10
    # the right credentials still work: a password login and a live refresh token
    assert boss.login()["access_token"]
    r = refresh(api, boss.client_id, session["refresh_token"])
    assert r.status_code == 200, r.text


def test_wrong_secrets_do_not_lock_out_the_right_one(loopd, new_org):
    boss = new_org()
    r = boss.api.post("/v1/clients", json={"name": "sync", "grants": ["client_credentials"],
                                           "scopes": ["candidates:read"]})
    assert r.status_code == 201, r.text
    client = r.json()
    api = loopd.api()
    for _ in range(12):
        r = api.post("/oauth/token", data={"grant_type": "client_credentials",
                                           "client_id": client["id"], "client_secret": "nope"})
        assert r.status_code in (401, 429), r.text
    assert r.status_code == 429
    assert len(audit_actions(boss, "client.authentication_failed")) == 10
    r = api.post("/oauth/token", data={"grant_type": "client_credentials",
                                       "client_id": client["id"],
                                       "client_secret": client["client_secret"]})
    assert r.status_code == 200, r.text


# -- the last admin, under concurrency -------------------------------------------------


@pytest.mark.parametrize("change", [{"roles": ["recruiter"]}, {"disabled": True}])
def test_two_admins_cannot_remove_each_other_at_once(new_org, change):
    first = new_org()
    second = first.make_user(roles=["admin"])
    for _ in range(3):
        tokens = [first.token, second.token]
        etags = [first.api.get(f"/v1/users/{u.id}").headers["ETag"] for u in (second, first)]
        results = [None, None]
        barrier = threading.Barrier(2)

        def go(i, target):
            barrier.wait()
            results[i] = first.server.api(token=tokens[i]).patch(
                f"/v1/users/{target}", json=change, headers={"If-Match": etags[i]})

        threads = [threading.Thread(target=go, args=(0, second.id)),
                   threading.Thread(target=go, args=(1, first.id))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in results)
        assert codes != [200, 200], [r.text for r in results]
        assert codes[0] == 200 or codes == [409, 409], [r.text for r in results]
        assert codes[1] in (401, 403, 409), [r.text for r in results]
        conn = first.server.db()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM users WHERE org_id = %s AND NOT disabled"
                            " AND 'admin' = ANY(roles)", (first.org_id,))
                assert cur.fetchone()[0] >= 1
                # put both back for the next round
                cur.execute("UPDATE users SET roles = '{admin}', disabled = false"
                            " WHERE org_id = %s AND id IN (%s, %s)",
                            (first.org_id, first.id, second.id))
        finally:
            conn.close()
        first._token = second._token = None
        time.sleep(0.2)


# -- framing ---------------------------------------------------------------------------


def exchange(loopd, data, timeout=5):
    """Sends bytes, reads until the server closes or the timeout; returns all."""
    out = b""
    with socket.create_connection(("127.0.0.1", loopd.port), timeout=timeout) as s:
        s.sendall(data)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
    return out


def test_http10_with_transfer_encoding_is_refused_and_closed(loopd):
    """RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty
    framing; decoding it as chunked let bytes after it run as a request."""
    out = exchange(loopd, b"POST /oauth/revoke HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n"
                   b"Content-Type: application/x-www-form-urlencoded\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED)
    assert out.startswith(b"HTTP/1.1 400 "), out[:200]
    assert out.count(b"HTTP/1.1 ") == 1 and b'"status":"ok"' not in out


@pytest.mark.parametrize("target", [b"/v1/me\x00x", b"/healthz\x00/../v1/me", b"/v1/me\rx",
                                    b"/v1/me\x01", b"/v1/me\x7f"])
def test_raw_control_bytes_in_the_request_target_are_refused(loopd, org_admin, target):
    """libmicrohttpd cuts the target at a raw NUL (so /v1/me\\0x was served
    as /v1/me) and keeps a bare CR in it."""
    r = loopd.raw(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                  + org_admin.token.encode() + b"\r\n\r\n")
    assert r.status_code == 400, r


@pytest.mark.parametrize("path", ["/v1%2fme", "/v1%2Fme", "/v1%5cme"])
def test_an_encoded_slash_in_the_path_is_refused(loopd, org_admin, path):
    """/v1%2fme was routed as /v1/me: a proxy that matches paths undecoded
    would see another resource than loopd serves."""
    r = loopd.raw(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                  f"{org_admin.token}\r\n\r\n".encode())
    assert r.status_code == 400, r


def test_encoded_slashes_in_query_values_still_work(org_admin):
    r = org_admin.api.get("/v1/users?limit=1&unknown=a%2Fb")
    assert r.status_code == 200, r.text


# -- slow bodies -----------------------------------------------------------------------


def test_a_trickled_body_is_dropped(fresh_loopd):
    """The header deadline ended with the headers: a body of 1 byte a second
    (each byte resetting the idle timeout) held a connection forever, without
    credentials, at the OAuth endpoints."""
    server = fresh_loopd(env={"LOOP_HEADER_TIMEOUT": "2", "LOOP_CONN_TIMEOUT": "30"})
    head = (b"POST /oauth/token HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n")

    def trickle(framing, per_second, seconds=8):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=1)
        s.sendall(head + framing)
        started = time.monotonic()
        try:
            while time.monotonic() - started < seconds:
                try:
                    s.sendall(b"a" * per_second)
                except OSError:
                    return time.monotonic() - started
                try:
                    if s.recv(4096) == b"":
                        return time.monotonic() - started
                except socket.timeout:
                    pass
            return None
        finally:
            s.close()

    results = {}
    jobs = {"length": (b"Content-Length: 100000\r\n\r\n", 1),
            "chunked": (b"Transfer-Encoding: chunked\r\n\r\n100000\r\n", 1),
            "steady": (b"Content-Length: 100000\r\n\r\n", 4096)}
    threads = [threading.Thread(target=lambda k=k, v=v: results.__setitem__(k, trickle(*v)))
               for k, v in jobs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["length"] is not None and results["length"] < 6, results
    assert results["chunked"] is not None and results["chunked"] < 6, results
    assert results["steady"] is None, results	# 4 KiB/s keeps up: still open
    # and an ordinary request with a body is served as before
    r = server.api().post("/oauth/revoke", data={"token": "x" * 200000,
                                                 "client_id": str(uuid.uuid4())})
    assert r.status_code == 401, r.text


# -- names and emails that only look different ------------------------------------------


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u2800", "\u3164", "\u115f", "\u202e",
                                  "\u2060\ufeff", " \u200d "])
def test_names_that_show_nothing_are_blank(org_admin, name):
    """Only ASCII white space, NBSP and the ideographic space counted as
    blank: a zero-width space, a Hangul filler, the braille blank or a bare
    bidi override made a name that looks empty."""
    r = org_admin.api.post("/v1/candidates", json={
        "name": name, "email": f"c{uuid.uuid4().hex[:10]}@example.test"})
    assert r.status_code == 422, r.text
    assert [e["code"] for e in r.json()["errors"]] == ["blank"]
    r = org_admin.api.post("/v1/users", json={
        "name": name, "email": f"u{uuid.uuid4().hex[:10]}@example.test",
        "roles": ["interviewer"], "password": "pw-" + uuid.uuid4().hex})
    assert r.status_code == 422, r.text


def test_visible_names_with_invisible_characters_still_pass(org_admin):
    r = org_admin.api.post("/v1/candidates", json={
        "name": "Zoe\u200d Ng", "email": f"c{uuid.uuid4().hex[:10]}@example.test"})
    assert r.status_code == 201, r.text


def test_a_quoted_local_part_is_not_a_second_address(org_admin):
    """"ada"@x is the mailbox ada@x (RFC 5321): it made a duplicate."""
    email = f"q{uuid.uuid4().hex[:10]}@example.test"
    r = org_admin.api.post("/v1/candidates", json={"name": "Q", "email": email})
    assert r.status_code == 201, r.text
    local, domain = email.split("@")
    r = org_admin.api.post("/v1/candidates", json={"name": "Q2", "email": f'"{local}"@{domain}'})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "email"


# -- an Idempotency-Key must not undo a refusal's side effects ----------------------------


def test_an_idempotency_key_does_not_make_wrong_passwords_free(loopd, new_org):
    """A failed idempotent request rolled its whole transaction back: with a
    fresh Idempotency-Key each, wrong current passwords at POST
    /v1/me/password were never counted (no 429, ever) nor audited."""
    boss = new_org()
    user = boss.make_user(roles=["interviewer"])
    api = loopd.api(token=user.token)
    codes = []
    for i in range(8):
        r = api.post("/v1/me/password", json={"current_password": f"wrong-{i}",
                                               "new_password": "Qz7!vR2#mK9@pL4$wX"},
                     headers={"Idempotency-Key": f"guess-{i}"})
        codes.append(r.status_code)
    assert codes[:5] == [422] * 5 and codes[5:] == [429] * 3, codes
    assert len(audit_actions(boss, "user.password_change_refused")) == 5
    r = boss.api.get("/v1/audit-events/verify")
    assert r.status_code == 200 and r.json()["ok"] is True, r.text


def test_an_idempotency_key_does_not_hide_a_403(loopd, team):
    """A handler's 403 (an admin recording a decision) was audited without
    a key and silently not with one."""
    loop = team.loop()
    boss = team.admin
    before = len(audit_actions(boss, "access.denied"))
    r = boss.api.post(f"/v1/loops/{loop['id']}/decision", json={
        "outcome": "hire", "rationale": "x" * 40, "override_justification": "y" * 40},
        headers={"Idempotency-Key": "deny-" + uuid.uuid4().hex})
    assert r.status_code == 403, r.text
    assert len(audit_actions(boss, "access.denied")) == before + 1


def test_a_failed_idempotent_request_can_still_be_retried(org_admin):
    key = "retry-" + uuid.uuid4().hex
    r = org_admin.api.post("/v1/candidates", json={"name": "", "email": "bad"},
                           headers={"Idempotency-Key": key})
    assert r.status_code == 422
    email = f"r{uuid.uuid4().hex[:10]}@example.test"
    r = org_admin.api.post("/v1/candidates", json={"name": "Retry", "email": email},
                           headers={"Idempotency-Key": key})
    assert r.status_code == 201, r.text
    again = org_admin.api.post("/v1/candidates", json={"name": "Retry", "email": email},
                               headers={"Idempotency-Key": key})
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == r.json()["id"]
