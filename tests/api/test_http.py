"""Black-box tests of what every route shares (issue 2): routing errors
(404, 405 with Allow), problem documents and their codes, request ids, path
ids, body limits and media types, JSON parsing, HTTP framing (chunked
bodies), invalid UTF-8 in URLs, and list cursors that belong to one list
only."""

import json
import re
import socket
import time
import uuid

import pytest
import requests

import contract
from harness import ROOT, read_raw_response
from helpers import first_cursor, problem_of

VISIBLE_ID = re.compile(r"^[\x21-\x7e]{1,128}$")


def raw_request(method, path, headers=(), body=b"", port=None, host_header=True):
    """HTTP/1.1 request bytes; header values may hold any bytes."""
    out = [f"{method} {path} HTTP/1.1".encode()]
    if host_header:
        out.append(f"Host: 127.0.0.1:{port}".encode())
    out.append(b"Connection: close")
    for k, v in headers:
        out.append(k.encode() + b": " + (v if isinstance(v, bytes) else v.encode("latin-1")))
    return b"\r\n".join(out) + b"\r\n\r\n" + body


def raw_checked(server, method, path, headers=(), body=b"", timeout=15):
    r = server.raw(raw_request(method, path, headers, body, port=server.port), timeout=timeout)
    contract.check_parts(method, path, r.status_code, r.headers, r.content)
    return r


def raw_status(loopd, data, timeout=10):
    return loopd.raw(data, timeout=timeout).status_code


# -- JSON endpoint used by the body tests ------------------------------------


USERS = "/v1/users"


@pytest.fixture(scope="module")
def json_endpoint(loopd, admin):
    """POST /v1/users as admin: the JSON endpoint the body tests use (skips
    until the users API exists)."""
    r = admin.api.post(USERS, json={})
    if r.status_code == 404 and r.json().get("code") == "not_found":
        pytest.skip("POST /v1/users is not implemented yet")
    return admin


def post_users(admin, body, content_type="application/json", extra=()):
    headers = {"Authorization": f"Bearer {admin.token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    headers.update(dict(extra))
    return admin.server.api().post(USERS, data=body, headers=headers)


# -- routing -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/nope", "/v1/nope", "/v1", "/healthz/extra", "/V1/OPENAPI.YAML",
                                  "/v1/openapi.yaml/x"])
def test_unknown_path_is_404_problem(api, path):
    r = api.get(path)
    body = problem_of(r, 404, "not_found")
    assert body["instance"] == path
    assert body["request_id"] == r.headers["X-Request-Id"]


@pytest.mark.parametrize("method,path", [("POST", "/healthz"), ("DELETE", "/readyz"),
                                         ("PUT", "/metrics"), ("POST", "/v1/openapi.yaml"),
                                         ("PATCH", "/healthz")])
def test_wrong_method_is_405_with_allow(api, method, path):
    r = api.request(method, path, json={"a": 1} if method != "DELETE" else None)
    problem_of(r, 405, "method_not_allowed")
    allowed = [m.strip() for m in r.headers["Allow"].split(",")]
    assert "GET" in allowed and method not in allowed


def test_problem_documents_match_the_schema(api, openapi):
    r = api.get("/v1/definitely-not-here", headers={"X-Request-Id": "schema-check-1"})
    body = problem_of(r, 404, "not_found")
    assert set(body) >= {"type", "title", "status", "detail", "instance", "request_id", "code"}
    assert body["request_id"] == "schema-check-1"
    assert isinstance(body["title"], str) and body["title"]
    # the same checks the contract applies, stated outright
    openapi.validate(body, {"$ref": "#/components/responses/NotFound/content/"
                                    "application~1problem+json/schema"}, what="404 problem")
    r = api.post("/healthz")
    openapi.validate(r.json(), {"$ref": "#/components/schemas/Problem"}, what="405 problem")


def test_problem_codes_match_the_registry(openapi):
    """Every code in api/errors.def is documented (ProblemCode) and vice versa."""
    registry = ROOT / "api" / "errors.def"
    if not registry.exists():
        pytest.skip("api/errors.def not present")
    codes = set(re.findall(r'^E\(\s*\w+\s*,\s*"([a-z_]+)"', registry.read_text(), re.M))
    assert codes, "no codes parsed from api/errors.def"
    documented = set(openapi.schema("ProblemCode")["enum"])
    assert codes == documented, (
        f"api/errors.def and components.schemas.ProblemCode differ: only in errors.def: "
        f"{sorted(codes - documented)}; only in openapi.yaml: {sorted(documented - codes)}")


@pytest.mark.parametrize("path", ["/%ff", "/v1/users/%ff", "/oauth/token%ff",
                                  "/v1/loops?status=%ff", "/v1/candidates?q=%c3"])
def test_invalid_utf8_in_url_is_400_and_loopd_lives(loopd, admin, path):
    r = requests.get(loopd.url + path, headers=admin.headers)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "bad_request"
    assert requests.get(loopd.url + "/healthz").status_code == 200


# -- request ids -------------------------------------------------------------


@pytest.mark.parametrize("rid", ["abc-123", "x", "A" * 128, "req:42/7#!~"])
def test_request_id_is_echoed(api, rid):
    r = api.get("/healthz", headers={"X-Request-Id": rid})
    assert r.headers["X-Request-Id"] == rid
    r = api.get("/nope", headers={"X-Request-Id": rid})
    assert r.headers["X-Request-Id"] == rid
    assert r.json()["request_id"] == rid


@pytest.mark.parametrize("rid", [b"A" * 129, b"A" * 200, b"has space", b"ctl\x01char", b"del\x7fchar",
                                 b"tab\there", "caf\u00e9".encode(), b""],
                         ids=["129", "200", "space", "ctl", "del", "tab", "utf8", "empty"])
def test_bad_request_id_is_replaced(loopd, rid):
    r = raw_checked(loopd, "GET", "/nope", [("X-Request-Id", rid)])
    assert r.status_code == 404
    got = r.headers.get("X-Request-Id")
    assert got and VISIBLE_ID.match(got), f"generated request id {got!r} is not sane"
    assert got.encode("latin-1") != rid.strip()
    assert r.json()["request_id"] == got


def test_generated_request_ids_are_unique(api):
    """600 on one connection: past the 256 ids a worker thread draws at once."""
    ids = {api.get("/healthz").headers["X-Request-Id"] for _ in range(600)}
    assert len(ids) == 600
    assert all(VISIBLE_ID.match(i) for i in ids)


# -- path ids ----------------------------------------------------------------


def test_invalid_path_id_is_400(loopd, admin, openapi):
    """An {id} segment that is not a UUID answers 400 invalid_path_id."""
    templates = [t for t, item in openapi.doc["paths"].items()
                 if re.fullmatch(r"(/[a-z0-9_.-]+)+/\{id\}", t) and "get" in item]
    if not templates:
        pytest.skip("no GET /.../{id} endpoint exists yet")
    template = "/v1/users/{id}" if "/v1/users/{id}" in templates else templates[0]
    for bad in ["not-a-uuid", "1234", "00000000-0000-0000-0000-00000000000g",
                "00000000-0000-0000-0000-0000000000000", "%27%20or%201=1"]:
        r = admin.api.get(template.replace("{id}", bad))
        problem_of(r, 400, "invalid_path_id")
    r = admin.api.get(template.replace("{id}", str(uuid.uuid4())))
    problem_of(r, 404, "not_found")


def test_malformed_path_ids_are_400(team):
    api = team.api()
    for path in ["/v1/candidates/nope", "/v1/loops/123/rounds", "/v1/rounds/x",
                 f"/v1/rounds/{uuid.uuid4()}/interviewers/not-a-uuid"]:
        method = "PUT" if path.endswith("not-a-uuid") else "GET"
        r = api.request(method, path, json={"role": "lead"} if method == "PUT" else None)
        problem_of(r, 400, "invalid_path_id")


# -- body limits, media type, JSON parsing (need a token and a JSON endpoint) ---


def test_unauthenticated_comes_before_body_checks(loopd, json_endpoint):
    r = raw_checked(loopd, "POST", USERS, [("Content-Type", "application/json"),
                                           ("Content-Length", str(2 << 20))])
    problem_of(r, 401, "unauthenticated")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = loopd.api().post(USERS, data=b"{not json", headers={"Content-Type": "text/plain"})
    problem_of(r, 401, "unauthenticated")


def test_body_too_large_declared(loopd, json_endpoint):
    """A Content-Length over the cap is answered before the body is sent."""
    head = raw_request("POST", USERS, [("Authorization", f"Bearer {json_endpoint.token}"),
                                       ("Content-Type", "application/json"),
                                       ("Content-Length", str(2 << 20))], port=loopd.port)
    started = time.monotonic()
    r = loopd.raw(head, timeout=10)  # no body at all: the server must not wait for it
    assert time.monotonic() - started < 10
    contract.check_parts("POST", USERS, r.status_code, r.headers, r.content)
    problem_of(r, 413, "body_too_large")


def test_body_too_large_chunked(loopd, json_endpoint):
    """A chunked body that grows past the cap is refused once it does."""
    import socket

    head = raw_request("POST", USERS, [("Authorization", f"Bearer {json_endpoint.token}"),
                                       ("Content-Type", "application/json"),
                                       ("Transfer-Encoding", "chunked")], port=loopd.port)
    chunk = b'"' + b"x" * 16382 + b'",'
    with socket.create_connection(("127.0.0.1", loopd.port), timeout=20) as s:
        s.sendall(head + b'9\r\n{"name":[\r\n')
        try:
            sent = 0
            while sent < (1 << 20) + (256 << 10):
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            s.sendall(b'2\r\n""\r\n3\r\n]}\n\r\n0\r\n\r\n')
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before we are done
        r = read_raw_response(s, timeout=20)
    contract.check_parts("POST", USERS, r.status_code, r.headers, r.content)
    problem_of(r, 413, "body_too_large")


def test_body_under_the_cap_is_read(json_endpoint):
    """A body just under 1 MiB is parsed (validation answers), not refused."""
    body = json.dumps({"email": "big@example.test", "name": "n" * ((1 << 20) - 200),
                       "roles": ["interviewer"], "password": "long-enough-password"})
    assert len(body) < (1 << 20)
    r = post_users(json_endpoint, body)
    assert r.status_code != 413


def test_max_body_setting_is_honoured(fresh_loopd):
    server = fresh_loopd(env={"LOOP_MAX_BODY": "2048"})
    admin = server.bootstrap()
    r = admin.api.post(USERS, json={})
    if r.status_code == 404 and r.json().get("code") == "not_found":
        pytest.skip("POST /v1/users is not implemented yet")
    r = admin.api.post(USERS, json={"name": "x" * 4096})
    problem_of(r, 413, "body_too_large")
    r = admin.api.post(USERS, json={"name": "x" * 1024})
    assert r.status_code == 422


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "application/xml", None])
def test_unsupported_media_type(json_endpoint, ctype):
    body = json.dumps({"email": "a@example.test", "name": "A", "roles": ["interviewer"],
                       "password": "long-enough-password"})
    r = post_users(json_endpoint, body, content_type=ctype)
    problem_of(r, 415, "unsupported_media_type")


def test_json_with_charset_is_accepted(json_endpoint):
    r = post_users(json_endpoint, b"{}", content_type="application/json; charset=utf-8")
    problem_of(r, 422, "validation_failed")


@pytest.mark.parametrize("body", [
    b'{"email":',
    b"not json",
    b"",
    b'{"email": "a@example.test", "email": "b@example.test"}',
    b'{"name": {"x": 1, "x": 2}}',
    b'{"name": "caf\xc3"}',
    b'{"name": "\xff\xfe"}',
    b'{"name": "a\xed\xa0\x80b"}',
    b'{"name": "ok"} trailing',
    b'{"name": "ok"}{"name": "again"}',
    b"{'name': 'single quotes'}",
    b'{"name": "nul \\u0000 inside"',
], ids=["truncated", "garbage", "empty", "duplicate-key", "nested-duplicate-key",
        "truncated-utf8", "invalid-utf8", "surrogate-utf8", "trailing-garbage", "two-documents",
        "single-quotes", "unterminated"])
def test_malformed_json_is_400(json_endpoint, body):
    r = post_users(json_endpoint, body)
    problem_of(r, 400, "malformed_json")


def nested(depth):
    """A JSON object whose containers nest `depth` levels in all."""
    return ('{"name":' + "[" * (depth - 1) + "]" * (depth - 1) + "}").encode()


def test_json_nesting_limit(json_endpoint):
    problem_of(post_users(json_endpoint, nested(33)), 400, "json_too_deep")
    problem_of(post_users(json_endpoint, nested(500)), 400, "json_too_deep")
    r = post_users(json_endpoint, nested(32))
    assert r.status_code == 422, f"32 levels must parse, got {r.status_code}: {r.text}"


def test_validation_names_every_bad_field(json_endpoint):
    r = post_users(json_endpoint, json.dumps({"email": "not-an-email", "name": "Somebody",
                                              "roles": ["interviewer", "wizard"],
                                              "password": "short"}))
    body = problem_of(r, 422, "validation_failed")
    contract.validate(body, "ValidationProblem")
    fields = [e["field"] for e in body["errors"]]
    assert len(body["errors"]) == 3, body["errors"]
    assert "email" in fields and "password" in fields
    assert any(f.startswith("roles") for f in fields), fields


def test_validation_reports_every_missing_field(json_endpoint):
    body = problem_of(post_users(json_endpoint, b"{}"), 422, "validation_failed")
    fields = {e["field"] for e in body["errors"]}
    assert fields >= {"email", "name", "roles", "password"}, fields


def test_validation_rejects_wrong_types(json_endpoint):
    body = problem_of(post_users(json_endpoint, json.dumps(
        {"email": 5, "name": ["x"], "roles": "admin", "password": None})), 422, "validation_failed")
    fields = {e["field"] for e in body["errors"]}
    assert fields >= {"email", "name", "roles", "password"}, fields


def test_non_object_body_is_rejected(json_endpoint):
    for text in (b"[]", b"42", b'"s"', b"null"):
        r = post_users(json_endpoint, text)
        assert r.status_code in (400, 422), (text, r.status_code)


def test_body_media_type_and_syntax(team, audited):
    api = team.api()
    with audited.none(team.admin):
        problem_of(api.post("/v1/loops", data="{}", headers={"Content-Type": "text/plain"}), 415,
                   "unsupported_media_type")
        problem_of(api.post("/v1/candidates", data="{\"name\": ",
                            headers={"Content-Type": "application/json"}), 400, "malformed_json")
        problem_of(api.post("/v1/candidates", json=[]), 400, "malformed_json")
        problem_of(api.post("/v1/candidates", data='{"name": "a", "name": "b", "email": "x@y.z"}',
                            headers={"Content-Type": "application/json"}), 400, "malformed_json")


# -- HTTP framing ------------------------------------------------------------


def test_content_length_with_chunked_is_refused(loopd, team):
    body = b'{"name":"X","email":"x@example.test"}'
    req = (b"POST /v1/candidates HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
           + team.recruiter.token.encode() + b"\r\nContent-Type: application/json\r\n"
           b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
           + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
    assert raw_status(loopd, req) == 400


def test_endless_chunked_upload_is_cut_off(loopd):
    chunk = b"%x\r\n" % 65536 + b"a" * 65536 + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", loopd.port), timeout=10) as s:
        s.sendall(b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
        with pytest.raises(OSError):
            while sent < 64 << 20:      # 64 MiB: far past the 1 MiB cap
                s.sendall(chunk)
                sent += len(chunk)
    assert sent < 8 << 20, f"loopd read {sent} bytes of an oversized body"


# -- list cursors ------------------------------------------------------------


def test_a_cursor_is_refused_by_every_other_list(team, paged_lists):
    admin = team.admin.api
    cursors = {
        "/v1/candidates": first_cursor(admin, "/v1/candidates"),
        "/v1/loops": first_cursor(admin, "/v1/loops"),
        "/v1/users": first_cursor(admin, "/v1/users"),
        "/v1/people": first_cursor(admin, "/v1/people"),     # the same keyset as /v1/users
        "/v1/audit-events": first_cursor(admin, "/v1/audit-events"),
    }
    for made_on, cursor in cursors.items():
        for path in list(cursors) + ["/v1/me/rounds", "/v1/clients"]:
            r = admin.get(path, params={"cursor": cursor})
            if path == made_on:
                assert r.status_code == 200, f"{path} refused its own cursor: {r.text}"
            else:
                problem_of(r, 400, "invalid_cursor")
        loop_id = paged_lists["loops"][0]["id"]
        problem_of(admin.get(f"/v1/loops/{loop_id}/rounds", params={"cursor": cursor}),
                   400, "invalid_cursor")
