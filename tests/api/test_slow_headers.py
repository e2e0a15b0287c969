"""Issue 12: slow headers (a header line every few seconds keeps
libmicrohttpd's idle timeout from firing) and the connection limits that
decide how many addresses it takes to fill the server; the metrics
listener. Clients from 127.0.0.2..127.0.0.21 stand for separate
addresses."""

import select
import socket
import time

import pytest
import requests


def trickler(server, source, first=b"GET /healthz HTTP/1.1\r\nHost: x\r\n"):
    """A connection from source that sent the start of a request."""
    s = socket.socket()
    s.bind((source, 0))
    s.setblocking(True)
    s.settimeout(5)
    s.connect(("127.0.0.1", server.port))
    s.sendall(first)
    return s


def readable(s, timeout):
    """poll(), not select(): the descriptors of 1400 sockets exceed FD_SETSIZE."""
    p = select.poll()
    p.register(s, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(p.poll(timeout * 1000))


def is_closed(s):
    """True when the server has closed (or reset) this connection."""
    if not readable(s, 0):
        return False
    try:
        return s.recv(1024) == b""
    except OSError:
        return True


def trickle_until_closed(s, every, limit):
    """Sends a header line every `every` seconds; returns the seconds until
    the server closed the connection (or limit)."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        try:
            s.sendall(b"X-Slow: 1\r\n")
        except OSError:
            return time.monotonic() - start
        if readable(s, every) and is_closed(s):
            return time.monotonic() - start
    return limit


def test_trickled_headers_are_cut_at_the_header_timeout(fresh_loopd):
    server = fresh_loopd(env={"LOOP_HEADER_TIMEOUT": "2"})
    s = trickler(server, "127.0.0.2")
    took = trickle_until_closed(s, 0.3, 6)
    s.close()
    assert 1.5 <= took < 3.5, f"the connection lived {took:.1f}s (header timeout 2s)"
    # a trickled request line is cut the same way
    s = trickler(server, "127.0.0.3", first=b"G")
    start = time.monotonic()
    while time.monotonic() - start < 6 and not is_closed(s):
        try:
            s.sendall(b"E")
        except OSError:
            break
        time.sleep(0.3)
    took = time.monotonic() - start
    s.close()
    assert took < 3.5, f"a trickled request line lived {took:.1f}s"
    assert "loopd_http_header_timeouts_total 2" in server.metrics().text


def test_twenty_addresses_cannot_fill_the_server(fresh_loopd):
    """With the default limits, 20 addresses each opening as many slow
    connections as they can (more than the old per-address default of 64)
    leave room: a client from another address is served at once."""
    server = fresh_loopd(env={"LOOP_HEADER_TIMEOUT": "5"})
    socks = []
    try:
        for i in range(2, 22):
            for _ in range(70):
                try:
                    socks.append(trickler(server, f"127.0.0.{i}"))
                except OSError:
                    break
        time.sleep(0.5)
        alive = [s for s in socks if not is_closed(s)]
        start = time.monotonic()
        r = requests.get(server.url + "/healthz", timeout=3)
        assert r.status_code == 200
        assert time.monotonic() - start < 1.0
        assert len(alive) <= 20 * 32, f"{len(alive)} slow connections stayed open"
    finally:
        for s in socks:
            s.close()


# -- 4. the metrics listener ----------------------------------------------------

def test_metrics_only_on_the_metrics_listener(loopd):
    r = loopd.api().get("/metrics")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    m = loopd.metrics()
    assert m.status_code == 200 and "loopd_http_requests_total" in m.text
    r = requests.get(loopd.metrics_url + "/v1/openapi.yaml", timeout=5)
    assert r.status_code == 404


def test_metrics_listener_off_or_shared(fresh_loopd):
    off = fresh_loopd(env={"LOOP_METRICS_LISTEN": ""})
    with pytest.raises(requests.ConnectionError):
        requests.get(off.metrics_url + "/metrics", timeout=3)
    assert off.api().get("/metrics").status_code == 404
    shared = fresh_loopd(start=False)
    shared.env["LOOP_METRICS_LISTEN"] = shared.env["LOOP_LISTEN"]
    shared.start()
    assert shared.api().get("/metrics").status_code == 200


def test_help_shows_the_new_settings(loopd):
    out = loopd.run("--help")
    for name in ("--header-timeout", "LOOP_HEADER_TIMEOUT", "--metrics-listen",
                 "LOOP_METRICS_LISTEN"):
        assert name in out.stdout
