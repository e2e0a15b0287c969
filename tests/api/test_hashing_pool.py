"""Password checks run on the hashing pool (api/hashing.c) while the
connection waits suspended: logins and password changes answer as before,
with other requests served meanwhile, and a full pool answers 503 with
Retry-After instead of queueing without bound."""

import threading
import uuid

import requests

from helpers import TOKEN, oauth_error, password_form, post_form, problem_of


def test_password_grants_answer_while_other_requests_run(loopd, org_admin):
    p = org_admin.make_user(roles=("recruiter",))
    stop = threading.Event()
    reads, bad_reads = [0], []

    def read():
        session = requests.Session()
        while not stop.is_set():
            r = session.get(loopd.url + "/v1/me", headers=org_admin.headers, timeout=30)
            if r.status_code == 200 and r.json()["id"] == org_admin.user_id:
                reads[0] += 1
            else:
                bad_reads.append((r.status_code, r.text))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for t in readers:
        t.start()
    try:
        for _ in range(3):
            r = post_form(loopd, TOKEN, password_form(p))
            assert r.status_code == 200, r.text
            token = r.json()["access_token"]
            me = loopd.api(token).get("/v1/me")
            assert me.status_code == 200 and me.json()["id"] == p.user_id
            oauth_error(post_form(loopd, TOKEN, password_form(p, password="wrong-password-xx")),
                        400, "invalid_grant")
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert not bad_reads
    assert reads[0] > 0


def test_a_wrong_password_is_still_audited(loopd, org_admin, db):
    p = org_admin.make_user(roles=("recruiter",))
    oauth_error(post_form(loopd, TOKEN, password_form(p, password="wrong-password-xx")),
                400, "invalid_grant")
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM audit_events WHERE org_id = %s AND action = 'login.failed'"
                    " AND entity_id = %s", (p.org_id, p.user_id))
        assert cur.fetchone()[0] == 1


def test_password_change_with_an_idempotency_key_is_done_once(loopd, org_admin):
    p = org_admin.make_user(roles=("recruiter",))
    api = loopd.api(p.token)
    new = "a-new-password-" + uuid.uuid4().hex
    body = {"current_password": p.password, "new_password": new}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    r = api.post("/v1/me/password", json=body, headers=key)
    assert r.status_code == 204, r.text
    again = api.post("/v1/me/password", json=body, headers=key)
    assert again.status_code == 204 and again.headers.get("Idempotent-Replayed") == "true"
    p.password = new
    assert p.login()["access_token"]


def test_a_full_hashing_pool_answers_503_with_retry_after(fresh_loopd):
    # One hashing thread, no queue, and hashes slow enough (t=40: about a
    # second each) that logins sent at once overlap.
    server = fresh_loopd(env={"LOOP_HASH_THREADS": "1", "LOOP_HASH_QUEUE": "0",
                              "LOOP_ARGON_ITERATIONS": "40"})
    admin = server.bootstrap()
    go = threading.Barrier(6)
    answers = []

    def login():
        go.wait()
        answers.append(post_form(server, TOKEN, password_form(admin), check=False))

    threads = [threading.Thread(target=login) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in answers)
    assert set(statuses) <= {200, 503}, [(r.status_code, r.text) for r in answers]
    assert 200 in statuses and 503 in statuses, statuses
    for r in answers:
        if r.status_code == 503:
            problem_of(r, 503, "busy")
            assert int(r.headers["Retry-After"]) >= 1
    # the refused ones were not counted as failures: the account still signs in
    assert post_form(server, TOKEN, password_form(admin)).status_code == 200
