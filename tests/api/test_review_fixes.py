"""Regression tests for the defects two reviews found; each failed before
its fix (the commit that fixed it says which)."""


# -- free text and erasure ---------------------------------------------------------


def test_round_location_is_redacted_in_the_log_and_erased(loopd, team, db):
    cand = team.candidate(name="Quentin Quarles", email="quentin@example.test")
    loop = team.loop(candidate_id=cand["id"])
    rnd = team.round(loop["id"], interviewers=((team.iv[0], "lead"),))
    api = team.api()
    r = api.patch(f"/v1/rounds/{rnd['id']}", json={"location": "Call Quentin Quarles"},
                  headers={"If-Match": f'"{rnd["version"]}"'})
    assert r.status_code == 200, r.text
    assert api.delete(f"/v1/candidates/{cand['id']}").status_code == 204
    with db.cursor() as cur:
        cur.execute("SELECT location FROM rounds WHERE id = %s", (rnd["id"],))
        assert cur.fetchone()[0] is None
        cur.execute("SELECT count(*) FROM audit_events WHERE changes LIKE %s", ("%Quentin%",))
        assert cur.fetchone()[0] == 0


def test_no_new_rounds_for_an_erased_candidate(loopd, team):
    loop = team.loop()
    assert team.api().delete(f"/v1/candidates/{loop['candidate_id']}").status_code == 204
    start, end = team.slot()
    r = team.api().post(f"/v1/loops/{loop['id']}/rounds", json={
        "kind": "system_design", "starts_at": start.isoformat(), "ends_at": end.isoformat()})
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "invalid_state"
    # the loop itself can still be closed
    r = team.api().post(f"/v1/loops/{loop['id']}/cancel", json={"reason": "candidate erased"})
    assert r.status_code == 200, r.text


def test_empty_patch_is_422_and_changes_nothing(loopd, team):
    cand = team.candidate()
    r = team.api().patch(f"/v1/candidates/{cand['id']}", json={},
                         headers={"If-Match": f'"{cand["version"]}"'})
    assert r.status_code == 422, r.text
    assert team.api().get(f"/v1/candidates/{cand['id']}").json()["version"] == cand["version"]


# -- times loopd cannot represent ---------------------------------------------------


def test_times_beyond_year_9999_are_422(loopd, team):
    loop = team.loop()
    r = team.api().post(f"/v1/loops/{loop['id']}/rounds", json={
        "kind": "system_design", "starts_at": "9999-12-31T22:00:00-05:00",
        "ends_at": "9999-12-31T23:00:00-05:00"})
    assert r.status_code == 422, r.text
    assert "starts_at" in {e["field"] for e in r.json()["errors"]}


def test_offsets_and_fractions_postgres_would_treat_otherwise_are_normalised(loopd, team):
    loop = team.loop()
    r = team.api().post(f"/v1/loops/{loop['id']}/rounds", json={
        "kind": "system_design", "starts_at": "2032-02-07T10:00:00+16:00",
        "ends_at": "2032-02-07T18:00:00.0000006+16:00"})
    assert r.status_code == 201, r.text
    assert r.json()["starts_at"] == "2032-02-06T18:00:00Z"
    assert r.json()["ends_at"] == "2032-02-07T02:00:00Z"
