"""Hostile clients (issue 14), what test_framing.py, test_http.py and
test_slow_headers.py do not already cover: 500 trickling connections from
one address while another address is served within 100 ms, oversized
headers (431) and request lines (414), 10 000-deep JSON, NUL bytes, numbers
out of range, SQL metacharacters kept verbatim, and control characters in
fields that must not break loopd's JSON log lines. (Smuggling with both
Content-Length and Transfer-Encoding, or two Content-Lengths, is in
test_framing.py; bodies over the cap in test_http.py.)"""

import json
import socket
import statistics
import threading
import time

import pytest

import contract
from harness import read_raw_response
from helpers import problem_of, wait_for
from test_slow_headers import is_closed, trickler


def raw(loopd, data, source="127.0.0.1", timeout=15):
    with socket.socket() as s:
        s.bind((source, 0))
        s.settimeout(timeout)
        s.connect(("127.0.0.1", loopd.port))
        s.sendall(data)
        return read_raw_response(s, timeout)


def test_oversized_headers_are_431_and_request_lines_414(loopd):
    r = raw(loopd, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 40000 + b"\r\n\r\n")
    assert r.status_code == 431, r
    r = raw(loopd, b"GET /v1/loops?q=" + b"a" * 40000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.status_code == 414, r
    assert raw(loopd, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status_code == 200


def post_candidate(team, body):
    return team.api().post("/v1/candidates", data=body,
                           headers={"Content-Type": "application/json"})


def test_ten_thousand_deep_json_is_400(team):
    for body in (b"[" * 10000 + b"]" * 10000, b'{"name":' + b"[" * 10000 + b"]" * 10000 + b"}",
                 b'{"a":' * 10000 + b"1" + b"}" * 10000):
        problem_of(post_candidate(team, body), 400, "json_too_deep")


@pytest.mark.parametrize("body", [
    b'{"name": "a\x00b", "email": "nul@example.test"}',
    b'{"name": "a\\u0000b", "email": "nul@example.test"}',
    b'{"name": "caf\xc3", "email": "utf8@example.test"}',
    b'\x00{"name": "x", "email": "nul@example.test"}',
], ids=["raw-nul", "escaped-nul", "invalid-utf8", "leading-nul"])
def test_nul_bytes_and_invalid_utf8_are_400(team, body):
    problem_of(post_candidate(team, body), 400, "malformed_json")


@pytest.mark.parametrize("value", ["0", "-1", "1000000001", "9223372036854775807",
                                   "-9223372036854775808", "1e300", "9223372036854775808",
                                   "-123456789012345678901234567890", "1e400", "-1e400"])
def test_numbers_out_of_range_are_422(new_org, value):
    """Past int64 and double too: valid JSON whose number loopd cannot hold
    is 422 naming the member, not 400 malformed_json."""
    admin = new_org()
    r = admin.api.put("/v1/rate-limit", data='{"requests_per_minute": %s}' % value,
                      headers={"Content-Type": "application/json"})
    body = problem_of(r, 422, "validation_failed")
    assert [e["field"] for e in body["errors"]] == ["requests_per_minute"]


SQLISH = ["Robert'); DROP TABLE candidates;--", "' OR '1'='1", "\\'; SELECT pg_sleep(10); --",
          "100% _done_ \\x00 $1 $$ E'\\n' /* */ ; -- \"q\" `b`"]


def test_sql_metacharacters_are_stored_and_returned_verbatim(team):
    for text in SQLISH:
        made = team.candidate(name=text, notes=text, source=text)
        got = team.api().get(f"/v1/candidates/{made['id']}").json()
        assert (got["name"], got["notes"], got["source"]) == (text, text, text)
        found = team.api().get("/v1/candidates", params={"q": text}).json()["data"]
        assert [c["id"] for c in found] == [made["id"]], (text, found)


HOSTILE = ["line\r\nbreak", "{\"level\":\"error\",\"msg\":\"forged\"}\n", "\x1b[31mred\x1b[0m",
           "nul-free \u2028 separators \u2029", "tab\tand\x7fdel"]


def test_control_characters_never_break_a_log_line(fresh_loopd):
    """Fields, query values, paths and request ids with CR, LF, ANSI
    escapes and forged JSON: every line loopd writes to stderr still
    parses as one JSON object, and no raw escape byte reaches the log."""
    srv = fresh_loopd(env={"LOOP_LOG_LEVEL": "debug"})
    admin = srv.bootstrap()
    api = admin.api
    for text in HOSTILE:
        r = api.post("/v1/candidates", json={"name": text, "email": "x@example.test",
                                             "notes": text})
        assert r.status_code in (201, 409, 422), r.text
        api.get("/v1/candidates", params={"q": text})
        api.get("/v1/loops", params={"status": text})
        srv.api().get("/v1/" + text.replace("\n", "%0A").replace("\r", "%0D"), check=False)
        raw(srv, b"GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\x1b[31mb\r\n"
                 b"Authorization: Bearer " + text.encode()[:20].replace(b"\r\n", b" ") + b"\r\n\r\n")
    lines = srv.log_lines()
    assert len(lines) > 20
    for line in lines:
        assert isinstance(json.loads(line), dict), line
        assert "\x1b" not in line and "\r" not in line, line
    assert not any(json.loads(l).get("msg") == "forged" for l in lines)


def served_ms(server, source):
    """One GET /healthz on a new connection from source: milliseconds."""
    start = time.monotonic()
    r = raw(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            source=source, timeout=10)
    assert r.status_code == 200
    return (time.monotonic() - start) * 1000


def test_slowloris_from_one_address_leaves_others_served_fast(fresh_loopd):
    """500 connections from 127.0.0.1 trickle a header byte at a time: the
    per-address limit keeps at most LOOP_MAX_CONNS_PER_IP (32) of them open,
    and a client from 127.0.0.2 is served within 100 ms (median of 20)."""
    server = fresh_loopd(env={"LOOP_HEADER_TIMEOUT": "60"})
    socks, stop = [], threading.Event()
    for _ in range(500):
        try:
            socks.append(trickler(server, "127.0.0.1", first=b"GET /healthz HTTP/1.1\r\n"))
        except OSError:
            pass

    def trickle():
        while not stop.is_set():
            for s in socks:
                try:
                    s.send(b"X")
                except OSError:
                    pass
            stop.wait(0.5)

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    try:
        assert wait_for(lambda: sum(not is_closed(s) for s in socks) <= 32, bound=30), (
            f"{sum(not is_closed(s) for s in socks)} of {len(socks)} trickling connections "
            "from one address stay open")
        times = [served_ms(server, "127.0.0.2") for _ in range(20)]
        p50, worst = statistics.median(times), max(times)
        print(f"\nslowloris: 127.0.0.2 served in p50 {p50:.1f} ms, max {worst:.1f} ms "
              f"with {sum(not is_closed(s) for s in socks)} trickling connections open")
        assert p50 < 100, f"p50 {p50:.1f} ms (max {worst:.1f}) with 500 tricklers"
    finally:
        stop.set()
        t.join(5)
        for s in socks:
            s.close()
