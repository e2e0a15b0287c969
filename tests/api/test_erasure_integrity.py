"""Black-box tests of erasure's integrity (issue 13): erasing a candidate
must not let a retry quietly bring them back, and the rows erasure changes
get new versions, an audit event and a new calendar SEQUENCE."""

import uuid

from grading import past_round, scorecard_body, submit
from helpers import count, problem_of, scan_database


def key():
    return f"k-{uuid.uuid4()}"


def test_a_retried_create_after_erasure_is_gone_not_a_new_person(team, db):
    api = team.api()
    k = key()
    tag = uuid.uuid4().hex[:8]
    body = {"name": f"Erasable {tag}", "email": f"erasable{tag}@example.test"}
    first = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k})
    assert first.status_code == 201, first.text
    assert api.delete(f"/v1/candidates/{first.json()['id']}").status_code == 204
    again = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k})
    problem_of(again, 410, "idempotent_reply_erased")
    assert body["name"] not in again.text and body["email"] not in again.text
    assert count(db, "SELECT count(*) FROM candidates WHERE email = %s", body["email"]) == 0
    assert not scan_database(db, [body["name"], body["email"]])
    # the same key with another body is still a reused key, not a create
    other = dict(body, name="Someone else")
    problem_of(api.post("/v1/candidates", json=other, headers={"Idempotency-Key": k}),
               422, "idempotency_key_reused")
    # a new key is a new request
    r = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": key()})
    assert r.status_code == 201 and r.json()["id"] != first.json()["id"]


def test_a_retried_scorecard_submit_after_erasure_is_gone(team, db):
    loop = team.loop()
    rnd = past_round(team, loop, [(team.iv[0], "lead")])
    body = scorecard_body(team.api(team.iv[0]), rnd, text="Evidence naming Zebulon")
    k = key()
    first = submit(team, team.iv[0], rnd["id"], body, headers={"Idempotency-Key": k})
    assert first.status_code == 200, first.text
    assert team.api().delete(f"/v1/candidates/{loop['candidate']['id']}").status_code == 204
    again = submit(team, team.iv[0], rnd["id"], headers={"Idempotency-Key": k})
    problem_of(again, 410, "idempotent_reply_erased")
    assert "Zebulon" not in again.text
    assert not scan_database(db, ["Evidence naming Zebulon"])
