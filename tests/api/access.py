"""The generated access matrix (api/access.tsv, next to the route table):
reading the table and the route table, the callers it names, and the ids
each route's path is filled with.

  ROUTES                 [(method, pattern, scope or None)] from api/routes.c
  read_table()           {"METHOD /pattern": {caller: status}} from api/access.tsv
  CALLERS                the table's columns after method and path
  AccessWorld(team, other)  the world the table is walked against:
                         .caller(name, route_scope) -> token or None,
                         .path(method, pattern) -> a path with real ids
                         (fresh ones for DELETE and cancel routes, which
                         change what they touch)
  row_text(method, pattern, statuses)  one table line
"""

import re
import uuid

from harness import ROOT
from helpers import ALL_SCOPES, post_form

TABLE = ROOT / "api" / "access.tsv"
ROUTES_C = ROOT / "api" / "routes.c"

CALLERS = ["anon", "admin", "recruiter", "interviewer", "hiring_manager", "client_scoped",
           "client_unscoped", "other_org", "other_interviewer", "other_hm"]


def _scope_name(constant):
    if constant == "0":
        return None
    return constant.removeprefix("AUTH_SCOPE_").lower().replace("_", ":", 1)


ROUTES = [(m, p, _scope_name(s)) for m, p, s in re.findall(
    r'\{"([A-Z]+)", "([^"]+)",\s*\w+,\s*(\w+),', ROUTES_C.read_text())]


def read_table():
    rows = {}
    for n, line in enumerate(TABLE.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        assert len(cells) == 2 + len(CALLERS), f"{TABLE}:{n}: {len(cells)} cells, not " \
            f"{2 + len(CALLERS)} (method, path, {', '.join(CALLERS)})"
        rows[f"{cells[0]} {cells[1]}"] = dict(zip(CALLERS, (int(c) for c in cells[2:])))
    return rows


def row_text(method, pattern, statuses):
    return "\t".join([method, pattern] + [str(statuses[c]) for c in CALLERS])


def client_token(server, admin, scopes):
    r = admin.api.post("/v1/clients", json={"name": "access matrix",
                                            "grants": ["client_credentials"],
                                            "scopes": sorted(scopes)})
    assert r.status_code == 201, r.text
    c = r.json()
    t = post_form(server, "/oauth/token", {"grant_type": "client_credentials",
                                           "client_id": c["id"],
                                           "client_secret": c["client_secret"]})
    assert t.status_code == 200, t.text
    return t.json()["access_token"]


class AccessWorld:
    """In the team's org: loop LA (hiring manager hm) with round RA whose
    lead is `interviewer`; loop LB (hiring manager hm2) with round RB whose
    lead is `other_interviewer`. Paths name LA, RA and their candidate;
    `other_org` is the admin of another organisation."""

    def __init__(self, team, other):
        self.team = team
        self.iv = team.admin.make_user(roles=("interviewer",))
        self.other_iv = team.admin.make_user(roles=("interviewer",))
        self.target_user = team.admin.make_user(roles=("interviewer",))
        self.loop, self.round = self._loop(team.hm, self.iv)
        self._loop(team.hm2, self.other_iv)
        self.other = other
        self._clients = {}
        self.people = {"admin": team.admin, "recruiter": team.recruiter,
                       "interviewer": self.iv, "hiring_manager": team.hm,
                       "other_org": other.admin, "other_interviewer": self.other_iv,
                       "other_hm": team.hm2}

    def _loop(self, hm, lead):
        loop = self.team.loop(hiring_manager_id=hm.id)
        rnd = self.team.round(loop["id"], interviewers=[(lead, "lead")])
        return loop, rnd

    def _client(self, scopes):
        key = frozenset(scopes)
        if key not in self._clients:
            self._clients[key] = client_token(self.team.server, self.team.admin, scopes)
        return self._clients[key]

    def token(self, caller, scope):
        """The caller's bearer token (None for anon) for a route needing scope."""
        if caller == "anon":
            return None
        if caller == "client_scoped":
            return self._client(ALL_SCOPES)
        if caller == "client_unscoped":
            return self._client(set(ALL_SCOPES) - {scope or "users:admin"})
        return self.people[caller].token

    def path(self, method, pattern):
        """pattern with the world's ids; DELETE and cancel get fresh ones."""
        fresh = method == "DELETE" or pattern.endswith("/cancel")
        loop, rnd = self._loop(self.team.hm, self.iv) if fresh else (self.loop, self.round)
        client = None
        if fresh and pattern.startswith("/v1/clients/"):
            r = self.team.admin.api.post("/v1/clients", json={
                "name": "doomed", "grants": ["client_credentials"], "scopes": ["loops:read"]})
            client = r.json()["id"]
        first = pattern.split("/")[2] if pattern.count("/") > 2 else ""
        ids = {"candidates": loop["candidate_id"], "loops": loop["id"], "rounds": rnd["id"],
               "users": self.target_user.id, "clients": client or self.team.admin.client_id}
        out = pattern.replace("{id}", ids.get(first, str(uuid.uuid4())), 1)
        return (out.replace("{user_id}", self.iv.id).replace("{key}", "system_design")
                .replace("{n}", "1").replace("{token}", "no-such-feed")
                .replace("{delivery_id}", str(uuid.uuid4())))
