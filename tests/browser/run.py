#!/usr/bin/python3
"""Runs the console's browser scenarios (scenarios.mjs) against a loopd of
their own: a throw-away embedded cluster, an organisation seeded through the
API (a recruiter, a hiring manager, two interviewers, a loop whose round took
place with one scorecard submitted, a booked round to collide with and an
overdue scorecard), then
Playwright driving Debian's chromium. Screenshots go to
build-test/screenshots/. About 40 s here.

Usage: LOOPD_BIN=build-test/loopd tests/browser/run.py
"""
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "api"))
os.environ.setdefault("LOOP_SOURCE_DIR", str(ROOT))
os.environ.setdefault("LOOPD_BIN", str(ROOT / "build-test" / "loopd"))

from grading import complete, past_round  # noqa: E402
from harness import Loopd  # noqa: E402
from helpers import H, iso, utcnow  # noqa: E402

SCENARIO_TIMEOUT_S = 300


class Org:
    """The people and factories the scenarios need (the part of
    helpers.Team that past_round uses)."""

    def __init__(self, loopd):
        self.admin = loopd.bootstrap(org="Browser Test Co")
        mk = self.admin.make_user
        self.recruiter = mk(["recruiter"], email="riley@browser.test", name="Riley Recruiter")
        self.hm = mk(["hiring_manager"], email="morgan@browser.test", name="Morgan Manager")
        self.ada = mk(["interviewer"], email="ada@browser.test", name="Ada Interviewer")
        self.grace = mk(["interviewer"], email="grace@browser.test", name="Grace Interviewer")
        # Lin's email is also in another org (its admin added it): the
        # console signs Lin in only through this org's link.
        self.lin = mk(["interviewer"], email="lin@browser.test", name="Lin Interviewer")
        loopd.bootstrap(org="Other Co").make_user(["interviewer"], email="lin@browser.test")

    def api(self, who=None):
        return (who or self.recruiter).api

    def ok(self, r, status=201):
        assert r.status_code == status, r.text
        return r.json()

    def loop(self, name="Sam Example"):
        cand = self.ok(self.api().post("/v1/candidates", json={"name": name, "email": f"{name.split()[0].lower()}@example.com"}))
        return self.ok(self.api().post("/v1/loops", json={
            "candidate_id": cand["id"], "position": "Backend engineer",
            "recruiter_id": self.recruiter.id, "hiring_manager_id": self.hm.id}))

    def round(self, loop_id, start, minutes, interviewers, kind="system_design", **kw):
        return self.ok(self.api().post(f"/v1/loops/{loop_id}/rounds", json={
            "kind": kind, "starts_at": iso(start), "ends_at": iso(start + dt.timedelta(minutes=minutes)),
            "interviewers": [{"user_id": u.id, "role": role} for u, role in interviewers]}))


def seed(org):
    """The loop the interviewer and the hiring manager work on: Grace's
    scorecard (a no) is in, Ada's (the browser's strong yes) will split the
    panel, so whatever the manager decides is an override."""
    loop = org.loop()
    rnd = past_round(org, loop, [(org.ada, "lead"), (org.grace, "lead")])
    body = complete(rating=2, rec="no", text="Grace saw")
    org.ok(org.api(org.grace).put(f"/v1/rounds/{rnd['id']}/scorecard", json=body), 200)
    org.ok(org.api(org.grace).post(f"/v1/rounds/{rnd['id']}/scorecard/submit"), 200)
    busy_loop = org.loop("Kim Busy")
    busy_at = (utcnow() + 24 * H).replace(hour=10, minute=0, second=0, microsecond=0)
    busy = org.round(busy_loop["id"], busy_at, 60, [(org.ada, "lead")])
    org.round(busy_loop["id"], utcnow().replace(microsecond=0) - 72 * H, 45, [(org.grace, "lead")],
              kind="behavioral")   # Grace's scorecard is two days overdue
    people = {k: {"email": p.email, "password": p.password, "id": p.id, "client_id": p.client_id}
              for k, p in [("recruiter", org.recruiter), ("hm", org.hm), ("ada", org.ada), ("grace", org.grace),
                                 ("lin", org.lin)]}
    return {"people": people, "org_id": org.admin.org_id, "loop_id": loop["id"], "round_id": rnd["id"],
            "busy_round_id": busy["id"], "busy_starts_at": busy["starts_at"]}


def main():
    shots = ROOT / "build-test" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    loopd = Loopd()
    try:
        loopd.start()
        data = seed(Org(loopd))
        env = dict(os.environ, LOOP_BASE_URL=loopd.url, LOOP_SEED=json.dumps(data),
                   LOOP_SCREENSHOTS=str(shots))
        r = subprocess.run(["node", str(HERE / "scenarios.mjs")], env=env, cwd=ROOT,
                           timeout=SCENARIO_TIMEOUT_S)
        return r.returncode
    finally:
        loopd.stop(check=False)
        loopd.cleanup()


if __name__ == "__main__":
    sys.exit(main())
