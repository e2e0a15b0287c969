"""Many requests at the same moment on a fresh loopd: every worker thread
uses each statement, the key cache and the password slots for the first time
together. The rest of the suite sends one request at a time, so this is the
test that gives ThreadSanitizer (scripts/test runs the suite against a
LOOP_SANITIZE=thread build too) something to find; on a normal build it
checks that concurrent first uses answer as sequential ones do.
"""

import threading
import time
import uuid

# Read-only routes an admin may call, each touching other statements.
READS = [
    "/v1/me", "/v1/users?limit=5", "/v1/clients", "/v1/candidates", "/v1/loops",
    "/v1/rubrics", "/v1/loop-templates", "/v1/audit-events?limit=5", "/v1/rounds",
    "/v1/me/rounds", "/v1/scorecards/overdue", "/v1/decision-policy",
    "/v1/reports/interviewers", "/readyz", "/healthz", "/metrics",
]
THREADS = 12
KEY_CACHE_SECONDS = 2   # auth/keyring.c CACHE_US


def run_together(n, work):
    """Runs work(i) in n threads released at once; returns what each
    returned, re-raising the first exception."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def go(i):
        try:
            barrier.wait(timeout=60)
            results[i] = work(i)
        except Exception as e:  # noqa: BLE001 (re-raised below)
            errors.append(e)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    if errors:
        raise errors[0]
    return results


def test_concurrent_first_requests_on_a_fresh_server(fresh_loopd):
    server = fresh_loopd(env={"LOOP_THREADS": "8"})
    admin = server.bootstrap()
    people = [admin.make_user(roles=("admin",)) for _ in range(3)]

    # Logins in parallel: password slots, the dummy hash, refresh families.
    logins = run_together(len(people), lambda i: people[i].login())
    tokens = [t["access_token"] for t in logins]

    # Every read route from every thread, each thread in its own order.
    def reads(i):
        api = server.api(token=tokens[i % len(tokens)])
        order = READS[i % len(READS):] + READS[:i % len(READS)]
        return [(path, api.get(path, check=False).status_code) for path in order]

    def check_reads():
        for statuses in run_together(THREADS, reads):
            bad = [(p, s) for p, s in statuses if s >= 500 or s in (401, 403)]
            assert not bad, bad

    check_reads()
    time.sleep(KEY_CACHE_SECONDS + 0.5)
    check_reads()   # every thread finds the signing-key cache stale at once

    # Refresh grants in parallel (each its own family).
    def refresh(i):
        form = {"grant_type": "refresh_token", "refresh_token": logins[i]["refresh_token"],
                "client_id": admin.client_id}
        return server.api().post("/oauth/token", data=form).status_code

    assert run_together(len(logins), refresh) == [200] * len(logins)

    # Writes in parallel: the audit chain head, idempotency keys.
    def writes(i):
        api = server.api(token=tokens[i % len(tokens)])
        body = {"name": f"Candidate {i}", "email": f"c{uuid.uuid4().hex[:10]}@example.test"}
        r = api.post("/v1/candidates", json=body,
                     headers={"Idempotency-Key": uuid.uuid4().hex}, check=False)
        return r.status_code

    assert run_together(THREADS, writes) == [201] * THREADS
    r = admin.api.get("/v1/audit-events/verify")
    assert r.status_code == 200 and r.json().get("ok") is not False, r.text
    # fresh_loopd stops the server and asserts a clean exit: under
    # ThreadSanitizer a reported race makes the exit status non-zero.
