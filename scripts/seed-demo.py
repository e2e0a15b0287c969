#!/usr/bin/env python3
"""Creates loopd's demo organisation once and prints how to log in.

Usage: seed-demo.py BASE_URL BOOTSTRAP_JSON CREDENTIALS_FILE
BOOTSTRAP_JSON is what `loopd admin bootstrap` printed; the admin password
comes from LOOP_ADMIN_PASSWORD. The people and their passwords are written
to CREDENTIALS_FILE (mode 0600) so later runs print the same lines.
Standard library only: scripts/run needs no Python packages.
"""
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


def call(base, path, data=None, token=None, form=False):
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
    req = urllib.request.Request(base + path, data=body, headers=headers)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read() or b"null")


def main():
    base, boot_file, cred_file = sys.argv[1:4]
    boot = json.load(open(boot_file))
    admin_pw = os.environ["LOOP_ADMIN_PASSWORD"]
    token = call(base, "/oauth/token", {"grant_type": "password", "username": "admin@demo.loopd.test",
                                        "password": admin_pw, "client_id": boot["client_id"]},
                 form=True)["access_token"]
    people = [("admin@demo.loopd.test", "Avery Admin", ["admin"], admin_pw)]
    for email, name, roles in PEOPLE:
        pw = secrets.token_urlsafe(12)
        call(base, "/v1/users", {"email": email, "name": name, "roles": roles, "password": pw}, token)
        people.append((email, name, roles, pw))
    fd = os.open(cred_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"client_id": boot["client_id"], "org_id": boot["org_id"],
                   "people": [{"email": e, "name": n, "roles": r, "password": p}
                              for e, n, r, p in people]}, out, indent=1)


if __name__ == "__main__":
    main()
