"""Who may do what: the role x endpoint matrices, black-box.

The scheduling world (two loops in the team's organisation, one in
another): which candidates, loops and rounds each role lists and reads,
that readers cannot write, that another organisation's ids answer 404
(never 403), basic profiles for interviewers, the caller's own rounds, and
401, 405 on the scheduling routes. Lists of viewers who reach only some
loops (driven by their own rows; q never matches an email the caller is not
shown). The identity routes' matrix (/v1/me, users, clients, audit events):
each role is let in or refused by scope, a refusal writes one access.denied
event, and no route answers without a token.

Every response is checked against openapi/openapi.yaml by the Api client."""

import uuid

import pytest

from helpers import ROLE_SCOPES, ROLES, problem_of

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


# -- the identity routes: role x endpoint matrix -----------------------------


@pytest.fixture(scope="module")
def matrix(org_admin):
    """Users of each role (tokens fetched now), and a target user to read and change."""
    users = {role: org_admin.make_user(roles=[role]) for role in ROLES}
    for u in users.values():
        u.token  # noqa: B018 (log in before any audited block)
    target = org_admin.make_user(roles=["interviewer"])
    return {"users": users, "target": target, "admin": org_admin}


def _new_client(admin):
    r = admin.api.post("/v1/clients", json={"name": "tmp", "grants": ["client_credentials"],
                                            "scopes": ["loops:read"]})
    assert r.status_code == 201
    return r.json()["id"]


def _etag(admin, user_id):
    return admin.api.get(f"/v1/users/{user_id}").headers["ETag"]


# route -> (needed scope or None, success status, audit action or None,
#           function(ctx, principal) -> (method, path, kwargs))
MATRIX = {
    "GET /v1/me": (None, 200, None, lambda m, p: ("GET", "/v1/me", {})),
    "POST /v1/me/password": (None, 204, "user.password_changed", lambda m, p: (
        "POST", "/v1/me/password",
        {"json": {"current_password": p.password, "new_password": p.password + "-next"}})),
    "GET /v1/users": ("users:admin", 200, None, lambda m, p: ("GET", "/v1/users", {})),
    "POST /v1/users": ("users:admin", 201, "user.created", lambda m, p: (
        "POST", "/v1/users", {"json": {"email": f"m{uuid.uuid4().hex[:10]}@example.test",
                                       "name": "M", "roles": ["interviewer"],
                                       "password": "p" * 12}})),
    "GET /v1/users/{id}": ("users:admin", 200, None, lambda m, p: (
        "GET", f"/v1/users/{m['target'].user_id}", {})),
    "PATCH /v1/users/{id}": ("users:admin", 200, "user.updated", lambda m, p: (
        "PATCH", f"/v1/users/{m['target'].user_id}",
        {"json": {"name": f"n{uuid.uuid4().hex[:6]}"},
         "headers": {"If-Match": _etag(m["admin"], m["target"].user_id)}})),
    "GET /v1/clients": ("users:admin", 200, None, lambda m, p: ("GET", "/v1/clients", {})),
    "POST /v1/clients": ("users:admin", 201, "client.created", lambda m, p: (
        "POST", "/v1/clients", {"json": {"name": "x", "grants": ["client_credentials"],
                                         "scopes": ["loops:read"]}})),
    "DELETE /v1/clients/{id}": ("users:admin", 204, "client.revoked", lambda m, p: (
        "DELETE", f"/v1/clients/{_new_client(m['admin'])}", {})),
    "GET /v1/audit-events": ("audit:read", 200, None, lambda m, p: (
        "GET", "/v1/audit-events", {})),
    "GET /v1/audit-events/verify": ("audit:read", 200, None, lambda m, p: (
        "GET", "/v1/audit-events/verify", {})),
}


def test_matrix_covers_every_authenticated_operation(openapi):
    """Every bearer-authenticated operation of issues 3 and 4 is in the matrix."""
    ours = {"/v1/me", "/v1/me/password", "/v1/users", "/v1/users/{id}", "/v1/clients",
            "/v1/clients/{id}", "/v1/audit-events", "/v1/audit-events/verify"}
    documented = set()
    for path, item in openapi.doc["paths"].items():
        if path not in ours:
            continue
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                documented.add(f"{method.upper()} {path}")
                sec = op.get("security", openapi.doc.get("security"))
                scopes = {s for req in sec for v in req.values() for s in v}
                if f"{method.upper()} {path}" in MATRIX:
                    need = MATRIX[f"{method.upper()} {path}"][0]
                    assert scopes == ({need} if need else set()), (path, method, scopes)
    assert documented == set(MATRIX), documented ^ set(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_role_endpoint_matrix(loopd, matrix, audited, role, route):
    need, ok_status, action, build = MATRIX[route]
    p = matrix["users"][role]
    allowed = need is None or need in ROLE_SCOPES[role]
    method, path, kw = build(matrix, p)
    api = loopd.api(token=p.token)
    if allowed:
        if action:
            with audited(p, action) as w:
                w.response = r = api.request(method, path, **kw)
                assert r.status_code == ok_status, r.text
        else:
            with audited.none(p, allow=()):
                r = api.request(method, path, **kw)
                assert r.status_code == ok_status, r.text
        if route == "POST /v1/me/password":
            p.password = kw["json"]["new_password"]
    else:
        with audited(p, "access.denied", entity_type="route", actor_id=p.user_id) as w:
            w.response = r = api.request(method, path, **kw)
            problem_of(r, 403, "insufficient_scope")
        assert w.event["changes"] == {"method": method, "route": route.split(" ", 1)[1]}
        assert f'scope="{need}"' in r.headers["WWW-Authenticate"]


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_every_authenticated_operation_is_401_without_a_token(loopd, route):
    method, template = route.split(" ", 1)
    path = template.replace("{id}", str(uuid.uuid4()))
    kw = {"json": {}} if method in ("POST", "PATCH") else {}
    r = loopd.api().request(method, path, **kw)
    problem_of(r, 401, "unauthenticated")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
