"""Trusted reverse proxies, black-box (README "Auth", "Security: framing,
slow clients, limits"): without LOOP_TRUSTED_PROXIES an X-Forwarded-For is
ignored, so a client cannot forge its way out of the per-address login
throttle or into another address in the audit log; with the proxy's
address trusted, the client behind it is the right-most address of the
header that is not itself a trusted proxy, and each such client has its own
throttle; a malformed header counts as the proxy's own address; an invalid
setting stops loopd with exit 2 and one line."""

import uuid
from pathlib import Path

import pytest

from harness import Loopd
from helpers import (TOKEN, audit_rows, count, forget_login_failures, oauth_error,
                     password_form, post_form, problem_of)

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


def unknown_user_form(admin):
    return {"grant_type": "password", "username": f"nobody-{uuid.uuid4().hex[:8]}@x.test",
            "password": "wrong-password-xx", "client_id": admin.client_id}


def fail_logins(server, admin, n, xff=None):
    headers = {"X-Forwarded-For": xff} if xff else None
    for _ in range(n):
        oauth_error(post_form(server, TOKEN, unknown_user_form(admin), headers=headers), 400,
                    "invalid_grant")


def last_failed_login_source(server, org):
    conn = server.db()
    try:
        events = [e for e in audit_rows(conn, org) if e["action"] == "login.failed"]
    finally:
        conn.close()
    assert events, "no login.failed event"
    return events[-1]["source"]


def wrong_password(server, p, xff):
    r = post_form(server, TOKEN, password_form(p, password="wrong-password-xx"),
                  headers={"X-Forwarded-For": xff})
    oauth_error(r, 400, "invalid_grant")


def test_without_the_setting_a_forged_header_changes_nothing(loopd, org_admin, db):
    forget_login_failures(db)
    p = org_admin.make_user(roles=("recruiter",))
    try:
        for i in range(20):
            fail_logins(loopd, org_admin, 1, xff=f"203.0.113.{i + 1}")
        # the right password, "from" an address never seen: still the real one's throttle
        r = post_form(loopd, TOKEN, password_form(p), headers={"X-Forwarded-For": "198.51.100.7"})
        problem_of(r, 429, "too_many_requests")
        assert count(db, "SELECT count(*) FROM login_failures WHERE key LIKE 'addr:203.%%'"
                         " OR key LIKE 'addr:198.%%'") == 0
    finally:
        forget_login_failures(db, "addr:127.0.0.1")
    wrong_password(loopd, p, "203.0.113.9")
    assert last_failed_login_source(loopd, org_admin.org_id) == "127.0.0.1"
    forget_login_failures(db)


@pytest.fixture(scope="module")
def behind_proxy():
    """A loopd that trusts 127.0.0.1 (the tests' own address) as its proxy."""
    server = Loopd(env={"LOOP_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"})
    try:
        server.start()
        yield server, server.bootstrap()
    finally:
        server.cleanup()


def test_behind_a_trusted_proxy_each_client_has_its_own_throttle(behind_proxy):
    server, admin = behind_proxy
    fail_logins(server, admin, 20, xff="203.0.113.9")
    r = post_form(server, TOKEN, password_form(admin), headers={"X-Forwarded-For": "203.0.113.9"})
    problem_of(r, 429, "too_many_requests")
    r = post_form(server, TOKEN, password_form(admin), headers={"X-Forwarded-For": "198.51.100.7"})
    assert r.status_code == 200, r.text
    # the proxy's own address (a request without the header) is not throttled either
    assert post_form(server, TOKEN, password_form(admin)).status_code == 200
    conn = server.db()
    try:
        assert count(conn, "SELECT count(*) FROM login_failures WHERE key = 'addr:203.0.113.9'"
                           " AND failed_at > now() - interval '15 minutes'") == 20
        forget_login_failures(conn)
    finally:
        conn.close()


def test_behind_a_trusted_proxy_the_audit_log_records_the_client(behind_proxy):
    server, admin = behind_proxy
    p = admin.make_user(roles=("recruiter",))
    cases = [("203.0.113.9", "203.0.113.9"),
             # a chain: the right-most address that is not a trusted proxy
             ("1.2.3.4, 127.0.0.1", "1.2.3.4"),
             ("6.6.6.6, 1.2.3.4, 10.9.8.7", "1.2.3.4"),
             ("2001:db8::7", "2001:db8::7"),
             # a malformed header: the proxy's own address
             ("1.2.3.4, nonsense", "127.0.0.1"), ("1.2.3.4:5678", "127.0.0.1"),
             ("", "127.0.0.1"), ("1.2.3.4,,5.6.7.8", "127.0.0.1")]
    conn = server.db()
    try:
        for xff, source in cases:
            wrong_password(server, p, xff)
            assert last_failed_login_source(server, admin.org_id) == source, xff
            forget_login_failures(conn)  # five wrong passwords would lock the account
    finally:
        conn.close()


@pytest.mark.parametrize("value", ["10.0.0.0/33", "proxy.internal", "127.0.0.1,",
                                   "1.2.3.4:80", "::1/129", "10.0.0.0/8 ::1"])
def test_an_invalid_setting_exits_2(value):
    server = Loopd(env={"LOOP_TRUSTED_PROXIES": value})
    try:
        for args, name in (((), "LOOP_TRUSTED_PROXIES"), ((f"--trusted-proxies={value}",),
                                                          "LOOP_TRUSTED_PROXIES")):
            env = {"LOOP_TRUSTED_PROXIES": ""} if args else None
            out = server.run(*args, env=env, timeout=30)
            assert out.returncode == 2, f"status {out.returncode}\n{out.stdout}{out.stderr}"
            lines = [line for line in out.stderr.splitlines() if line.strip()]
            assert len(lines) == 1 and name in lines[0], out.stderr
        assert not Path(server.data_dir, "pg").exists(), "loopd started despite a bad setting"
    finally:
        server.cleanup()


def test_help_lists_the_setting(loopd):
    out = loopd.run("--help").stdout
    assert "--trusted-proxies" in out and "LOOP_TRUSTED_PROXIES" in out
