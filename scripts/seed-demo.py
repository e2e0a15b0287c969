#!/usr/bin/env python3
"""Creates loopd's demo organisation once and prints how to log in.

The organisation has an admin, a recruiter, a hiring manager (Morgan) and
three interviewers, and one loop ready for the README's scorecard and
decision tour: a candidate, a loop Morgan manages, and a system design
round that took place two hours before seeding, led by Ada with Grace as
the bar raiser, so both can write and submit their scorecards at once.
The web console's tour (README "Web console") has a loop of its own, the
same kind of round four hours before seeding, where Grace has already
submitted: once Ada submits in the console, Morgan can decide.

It prints the organisation's console link (GET /v1/org's console_url).

Usage: seed-demo.py BASE_URL BOOTSTRAP_JSON CREDENTIALS_FILE
BOOTSTRAP_JSON is what `loopd admin bootstrap` printed; the admin password
comes from LOOP_ADMIN_PASSWORD. The people and their passwords are written
to CREDENTIALS_FILE (mode 0600) so later runs print the same lines.
Standard library only: scripts/run needs no Python packages.
"""
import datetime as dt
import json
import os
import secrets
import sys
import urllib.parse
import urllib.request

PEOPLE = [
    ("recruiter@demo.loopd.test", "Riley Recruiter", ["recruiter"]),
    ("manager@demo.loopd.test", "Morgan Manager", ["hiring_manager"]),
    ("ada@demo.loopd.test", "Ada Interviewer", ["interviewer"]),
    ("grace@demo.loopd.test", "Grace Interviewer", ["interviewer"]),
    ("linus@demo.loopd.test", "Linus Interviewer", ["interviewer"]),
]


def call(base, path, data=None, token=None, form=False, method=None):
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    body = None
    if data is not None:
        if form:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=body, headers=headers, method=method)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read() or b"null")


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def demo_loop(base, token, ids, name="Sam Example", email="sam@example.com", hours_ago=2):
    """A tour's loop: a candidate, a loop Riley runs and Morgan manages, and
    a system design round held hours_ago (Ada lead, Grace bar raiser)."""
    cand = call(base, "/v1/candidates", {"name": name, "email": email,
                                         "source": "referral"}, token)
    loop = call(base, "/v1/loops", {"candidate_id": cand["id"], "position": "Backend engineer",
                                    "recruiter_id": ids["recruiter@demo.loopd.test"],
                                    "hiring_manager_id": ids["manager@demo.loopd.test"]}, token)
    end = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=hours_ago)
    rnd = call(base, f"/v1/loops/{loop['id']}/rounds", {
        "kind": "system_design", "starts_at": iso(end - dt.timedelta(hours=1)),
        "ends_at": iso(end), "location": "Room 4",
        "interviewers": [{"user_id": ids["ada@demo.loopd.test"], "role": "lead"},
                         {"user_id": ids["grace@demo.loopd.test"], "role": "bar_raiser"}]},
        token)
    return {"candidate_id": cand["id"], "loop_id": loop["id"], "round_id": rnd["id"]}


def submitted_scorecard(base, client_id, person, round_id):
    """Grace's submitted scorecard for the console tour's round: a yes,
    every required criterion rated with evidence."""
    token = call(base, "/oauth/token", {"grant_type": "password", "username": person[0],
                                        "password": person[3], "client_id": client_id},
                 form=True)["access_token"]
    rubric = call(base, f"/v1/rounds/{round_id}/scorecard", token=token)["round"]["rubric"]
    doc = call(base, f"/v1/rubrics/{rubric['key']}/versions/{rubric['version']}", token=token)
    body = {"ratings": [{"criterion": c["key"], "rating": 3,
                         "evidence": f"A sound answer on {c['title'].lower()}."}
                        for c in doc["criteria"] if c["required"]],
            "recommendation": "yes", "summary": "Sound design and clear trade-offs."}
    call(base, f"/v1/rounds/{round_id}/scorecard", body, token, method="PUT")
    call(base, f"/v1/rounds/{round_id}/scorecard/submit", {}, token)


def main():
    base, boot_file, cred_file = sys.argv[1:4]
    boot = json.load(open(boot_file))
    admin_pw = os.environ["LOOP_ADMIN_PASSWORD"]
    token = call(base, "/oauth/token", {"grant_type": "password", "username": "admin@demo.loopd.test",
                                        "password": admin_pw, "client_id": boot["client_id"]},
                 form=True)["access_token"]
    people = [("admin@demo.loopd.test", "Avery Admin", ["admin"], admin_pw)]
    ids = {}
    for email, name, roles in PEOPLE:
        pw = secrets.token_urlsafe(12)
        ids[email] = call(base, "/v1/users", {"email": email, "name": name, "roles": roles,
                                              "password": pw}, token)["id"]
        people.append((email, name, roles, pw))
    # The org's console link: the console signs in to exactly this org even
    # when another org holds the same email (README "Web console").
    console_url = call(base, "/v1/org", token=token)["console_url"]
    creds = {"client_id": boot["client_id"], "org_id": boot["org_id"], "console_url": console_url,
             "people": [{"email": e, "name": n, "roles": r, "password": p}
                        for e, n, r, p in people]}
    save(cred_file, creds)   # the passwords first: they cannot be read back
    creds["demo"] = demo_loop(base, token, ids)
    creds["console"] = demo_loop(base, token, ids, "Alex Console", "alex@example.com", 4)
    grace = next(p for p in people if p[0] == "grace@demo.loopd.test")
    submitted_scorecard(base, boot["client_id"], grace, creds["console"]["round_id"])
    save(cred_file, creds)
    print("demo organisation's console link: " + console_url)


def save(cred_file, creds):
    fd = os.open(cred_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(creds, out, indent=1)


if __name__ == "__main__":
    main()
