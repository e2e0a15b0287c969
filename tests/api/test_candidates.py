"""Black-box tests of /v1/candidates: creation and validation, duplicates
by email, If-Match, empty patches, the q prefix search (any Unicode text,
never a pattern), pagination (limits, tampered cursors, cursors bound to q,
no skips or repeats under concurrent inserts), and erasure (DELETE) leaving
no personal data anywhere in the database, free text and round locations
included, while the audit chain still verifies.

Every response is checked against openapi/openapi.yaml by the Api client."""

import datetime as dt
import threading
import time
import uuid

import pytest

from helpers import H, Team, first_cursor, ids, iso, page_all, problem_of, scan_database


# -- creation, validation, changes -------------------------------------------


def test_create_and_get_candidate(team, audited):
    api = team.api()
    tag = uuid.uuid4().hex[:8]
    body = {"name": f"Grace Hopper {tag}", "email": f"Grace.{tag}@Example.test", "phone": "+1 555 0100",
            "source": "referral", "notes": "met at a conference"}
    with audited(team.admin, "candidate.created", entity_type="candidate",
                 entity_id=lambda r: r.json()["id"], actor_id=team.recruiter.id) as w:
        w.response = r = api.post("/v1/candidates", json=body)
        assert r.status_code == 201, r.text
    c = r.json()
    # the email is stored normalised (NFKC, lower case: test_lookalike_emails.py)
    assert {k: c[k] for k in body} == {**body, "email": body["email"].lower()}
    assert c["erased"] is False and c["version"] == 1
    assert r.headers["Location"] == f"/v1/candidates/{c['id']}"
    assert r.headers["ETag"] == '"1"'
    # personal data is never written into the audit log
    text = str(w.event["changes"])
    for value in (body["name"], body["email"], body["phone"], body["notes"]):
        assert value not in text, f"the audit event holds {value!r}: {w.event['changes']}"
    r = api.get(r.headers["Location"])
    assert r.status_code == 200 and r.json() == c


def test_candidate_validation_names_every_field(team, audited):
    with audited.none(team.admin):
        r = team.api().post("/v1/candidates", json={"name": "", "email": "not-an-email",
                                                    "phone": 5})
    body = problem_of(r, 422, "validation_failed")
    assert {e["field"] for e in body["errors"]} == {"name", "email", "phone"}


def test_duplicate_email_is_409_with_existing_id(team, audited):
    c = team.candidate()
    with audited.none(team.admin):
        r = team.api().post("/v1/candidates", json={"name": "Twin", "email": c["email"].upper()})
    body = problem_of(r, 409, "duplicate")
    assert body["existing_id"] == c["id"]
    # PATCHing another candidate onto the email: the same answer
    d = team.candidate()
    with audited.none(team.admin):
        r = team.api().patch(f"/v1/candidates/{d['id']}", json={"email": c["email"]},
                             headers={"If-Match": '"1"'})
    assert problem_of(r, 409, "duplicate")["existing_id"] == c["id"]


def test_patch_candidate_needs_if_match(team, audited):
    api = team.api()
    c = team.candidate(notes="first notes", phone="+1 555 0199")
    path = f"/v1/candidates/{c['id']}"
    with audited.none(team.admin):
        problem_of(api.patch(path, json={"name": "New"}), 428, "precondition_required")
        problem_of(api.patch(path, json={"name": "New"}, headers={"If-Match": '"7"'}), 412,
                   "precondition_failed")
        problem_of(api.patch(path, json={"name": "New"}, headers={"If-Match": "garbage"}), 412,
                   "precondition_failed")
    with audited(team.admin, "candidate.updated", entity_type="candidate", entity_id=c["id"]) as w:
        w.response = r = api.patch(path, json={"name": "New Name", "phone": None, "notes": None},
                                   headers={"If-Match": r'"1"'})
        assert r.status_code == 200, r.text
    got = r.json()
    assert got["name"] == "New Name" and got["phone"] is None and got["notes"] is None
    assert got["email"] == c["email"] and got["version"] == 2
    assert r.headers["ETag"] == '"2"'
    assert "New Name" not in str(w.event["changes"])
    # the old ETag is stale now
    problem_of(api.patch(path, json={"name": "Newer"}, headers={"If-Match": '"1"'}), 412,
               "precondition_failed")
    # If-Match compares strongly (RFC 9110 13.1.1): a weak form never matches
    problem_of(api.patch(path, json={"source": "agency"}, headers={"If-Match": 'W/"2"'}), 412,
               "precondition_failed")
    r = api.patch(path, json={"source": "agency"}, headers={"If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["version"] == 3


def test_empty_patch_is_422_and_changes_nothing(loopd, team):
    cand = team.candidate()
    r = team.api().patch(f"/v1/candidates/{cand['id']}", json={},
                         headers={"If-Match": f'"{cand["version"]}"'})
    assert r.status_code == 422, r.text
    assert team.api().get(f"/v1/candidates/{cand['id']}").json()["version"] == cand["version"]


# -- the q search ------------------------------------------------------------


def test_q_prefix_search(team):
    """q matches a prefix of the name or of the email, case-insensitively;
    not a substring in the middle; erased candidates never match."""
    api = team.api()
    tag = uuid.uuid4().hex[:6]
    a = team.candidate(name=f"Zelda{tag} Fitzgerald", email=f"zf{tag}@example.test")
    b = team.candidate(name=f"Ann {tag}", email=f"zelda{tag}.x@example.test")
    c = team.candidate(name=f"Zelda{tag}ish Other", email=f"o{tag}@example.test")

    def q(s):
        return set(ids(page_all(api, "/v1/candidates", q=s)))

    assert q(f"zelda{tag}") == {a["id"], b["id"], c["id"]}
    assert q(f"ZELDA{tag} F") == {a["id"]}
    assert q(f"ZF{tag}@EXAMPLE") == {a["id"]}
    assert q("Fitzgerald") & {a["id"], b["id"], c["id"]} == set(), "q matched mid-string"
    assert q(f"{tag}") & {a["id"], b["id"], c["id"]} == set()
    for wild in ("%", "_", "%" + tag, "z%"):
        assert q(wild) & {a["id"], b["id"], c["id"]} == set(), f"q={wild!r} acted as a pattern"
    # with pagination too
    rows = page_all(api, "/v1/candidates", limit=1, q=f"zelda{tag}")
    assert len(rows) == 3 and len(set(ids(rows))) == 3
    # an erased candidate is no longer found by its old name or email
    assert api.delete(f"/v1/candidates/{c['id']}").status_code == 204
    assert q(f"zelda{tag}") == {a["id"], b["id"]}
    assert q(f"o{tag}@") == set()
    assert q("erased cand") & {c["id"]} == set(), "an erased candidate is found by the placeholder"
    problem_of(api.get("/v1/candidates", params={"q": "x" * 201}), 400, "invalid_query")


def test_q_is_case_insensitive_beyond_ascii(team):
    """Names are international: "émile" finds "Émile", "ωμέγα" finds "ΩΜΈΓΑ"."""
    api = team.api()
    tag = uuid.uuid4().hex[:6]
    e = team.candidate(name=f"Émile{tag} Zola")
    o = team.candidate(name=f"ΩΜΈΓΑ{tag} Man")
    for query, want in [(f"émile{tag}", e), (f"ÉMILE{tag}", e), (f"ωμέγα{tag}", o),
                        (f"Ωμέγα{tag}", o)]:
        got = ids(page_all(api, "/v1/candidates", q=query))
        assert want["id"] in got, f"q={query!r} does not find {want['name']!r}"


@pytest.mark.parametrize("query", ["¿", "¿Qu", "ÿ", "\u07ff", "\uffff", "a\U0010ffff"])
def test_any_prefix_is_a_valid_query(team, query):
    """q is any text up to 200 characters: a prefix whose last UTF-8 byte
    is 0xbf or 0xff is as valid as any other (200, not an error)."""
    api = team.api()
    c = team.candidate(name=query + " " + uuid.uuid4().hex[:6])
    r = api.get("/v1/candidates", params={"q": query}, check=False)
    assert r.status_code == 200, f"q={query!r}: {r.status_code} {r.text[:300]}"
    assert c["id"] in ids(r.json()["data"])


# -- pagination --------------------------------------------------------------


def test_pagination_limits_and_tampered_cursor(team):
    api = team.api()
    for _ in range(3):
        team.candidate()
    r = api.get("/v1/candidates", params={"limit": 2})
    assert r.status_code == 200
    body = r.json()
    assert len(body["data"]) == 2 and body["next_cursor"]
    cur = body["next_cursor"]
    assert api.get("/v1/candidates", params={"limit": 2, "cursor": cur}).status_code == 200
    text, mac = cur.split(".", 1)
    flipped = text[:-1] + ("A" if text[-1] != "A" else "B")
    bad = [flipped + "." + mac, text + "." + mac[::-1], "garbage", cur + "x", "." + mac,
           text, "x" * 600]
    for c in bad:
        problem_of(api.get("/v1/candidates", params={"cursor": c}), 400, "invalid_cursor")
        problem_of(api.get("/v1/loops", params={"cursor": c}), 400, "invalid_cursor")
    for limit in ["0", "201", "-1", "abc", "1.5", ""]:
        problem_of(api.get("/v1/candidates", params={"limit": limit}), 400, "invalid_query")
    assert len(api.get("/v1/candidates", params={"limit": 200}).json()["data"]) <= 200
    problem_of(api.get("/v1/loops", params={"status": "nope"}), 400, "invalid_query")
    problem_of(api.get("/v1/loops", params={"candidate_id": "nope"}), 400, "invalid_query")


def test_a_candidate_cursor_is_bound_to_q(team, paged_lists):
    api = team.api()
    q = f"Pagina {paged_lists['tag']}"
    cursor = first_cursor(api, "/v1/candidates", {"q": q})
    rest = api.get("/v1/candidates", params={"q": q, "cursor": cursor, "limit": 50})
    assert rest.status_code == 200, rest.text
    assert len(rest.json()["data"]) == 2
    for other in ({}, {"q": q + " 1"}, {"q": "Pagina"}, {"q": q.upper()}):
        problem_of(api.get("/v1/candidates", params=dict(other, cursor=cursor)),
                   400, "invalid_cursor")
    # ... and a cursor of the unfiltered list does not continue a search.
    plain = first_cursor(api, "/v1/candidates")
    problem_of(api.get("/v1/candidates", params={"q": q, "cursor": plain}), 400, "invalid_cursor")


def test_pagination_under_concurrent_inserts(loopd):
    """Paging with limit=3 while another client inserts: every row that
    existed before paging began is seen exactly once, nothing is repeated,
    and the order is the keyset order."""
    t = Team(loopd, interviewers=0)
    api = t.api()
    before = [t.candidate()["id"] for _ in range(20)]
    stop = threading.Event()
    inserted, errors = [], []

    def writer():
        w = t.api()
        i = 0
        while not stop.is_set() and i < 200:
            i += 1
            r = w.post("/v1/candidates", json={"name": f"Late {i}",
                                               "email": f"late{i}-{uuid.uuid4().hex[:6]}@example.test"})
            if r.status_code != 201:
                errors.append(r.text)
                return
            inserted.append(r.json()["id"])

    th = threading.Thread(target=writer)
    th.start()
    seen, cursor, pages = [], None, 0
    try:
        while True:
            params = {"limit": 3}
            if cursor:
                params["cursor"] = cursor
            r = api.get("/v1/candidates", params=params)
            assert r.status_code == 200, r.text
            body = r.json()
            assert len(body["data"]) <= 3
            seen.extend(body["data"])
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
            time.sleep(0.005)
            assert pages < 500
    finally:
        stop.set()
        th.join(60)
    assert not errors, errors
    got = ids(seen)
    assert len(got) == len(set(got)), "a row was served twice"
    missing = set(before) - set(got)
    assert not missing, f"{len(missing)} rows that existed before paging were skipped"
    keys = [(c["created_at"], c["id"]) for c in seen]
    assert keys == sorted(keys, key=lambda k: (dt.datetime.fromisoformat(k[0].replace("Z", "+00:00")), k[1]))
    assert inserted, "the writer inserted nothing while paging"


# -- erasure -----------------------------------------------------------------


def busy_candidate(team, audited=None, **extra):
    """A candidate whose data went through every path that stores text:
    create, patch, loops and rounds with idempotency keys, a rescheduled
    and a cancelled round, a calendar feed read."""
    api = team.api()
    tag = uuid.uuid4().hex[:8]
    pii = {"name": f"Quintessa Vandermolen{tag}", "email": f"qv.{tag}@mailbox.example",
           "phone": f"+44 20 7946 {tag[:4]}"}
    r = api.post("/v1/candidates", json=dict(pii, source="referral",
                                              notes=f"Strong referral; {pii['name']} asked about visas"),
                 headers={"Idempotency-Key": f"cand-{tag}"})
    assert r.status_code == 201, r.text
    c = r.json()
    r = api.patch(f"/v1/candidates/{c['id']}", json={"notes": f"call {pii['phone']} after 5pm"},
                  headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    r = api.post("/v1/loops", json={"candidate_id": c["id"], "position": "Staff engineer",
                                    "recruiter_id": team.recruiter.id,
                                    "hiring_manager_id": team.hm.id, "plan": ["behavioral"]},
                 headers={"Idempotency-Key": f"loop-{tag}"})
    assert r.status_code == 201, r.text
    loop = r.json()
    start, _ = team.slot()
    r = api.post(f"/v1/loops/{loop['id']}/rounds",
                 json={"kind": "system_design", "starts_at": iso(start), "ends_at": iso(start + H),
                       "location": "Room 4",
                       "interviewers": [{"user_id": team.iv[0].id, "role": "lead"}]},
                 headers={"Idempotency-Key": f"round-{tag}"})
    assert r.status_code == 201, r.text
    rnd = r.json()
    r = api.patch(f"/v1/rounds/{rnd['id']}", json={"starts_at": iso(start + 2 * H),
                                                  "ends_at": iso(start + 3 * H)},
                  headers={"If-Match": f'"{rnd["version"]}"'})
    assert r.status_code == 200, r.text
    r2 = team.round(loop["id"], interviewers=[(team.iv[1], "lead")])
    r = api.post(f"/v1/rounds/{r2['id']}/cancel", json={"reason": "moved"},
                 headers={"Idempotency-Key": f"rcancel-{tag}"})
    assert r.status_code == 200, r.text
    r = team.api(team.iv[0]).get("/v1/me/calendar.ics")
    assert r.status_code == 200 and pii["name"] in r.text
    r = team.api(team.iv[0]).get("/v1/me/rounds")
    assert r.status_code == 200
    return c, loop, rnd, pii


def test_erasure_leaves_no_pii_and_the_chain_verifies(team, db, audited):
    api = team.api()
    c, loop, rnd, pii = busy_candidate(team)
    found = scan_database(db, list(pii.values()))
    assert found, "the scan does not see the candidate's data before erasure (broken scan?)"
    # the round's wiped location has an event of its own (test_erasure_integrity.py)
    with audited(team.admin, "candidate.erased", entity_type="candidate", entity_id=c["id"],
                 ignore=("round.redacted", "loop.redacted")) as w:
        w.response = r = api.delete(f"/v1/candidates/{c['id']}")
        assert r.status_code == 204, r.text
        assert r.content == b""
    found = scan_database(db, list(pii.values()))
    assert not found, f"personal data left after erasure: {found}"
    # the audit chain still verifies
    r = team.api(team.admin).get("/v1/audit-events/verify")
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True and r.json()["first_break"] is None, r.json()
    # the candidate is a placeholder; loops and rounds are kept, anonymous
    got = api.get(f"/v1/candidates/{c['id']}").json()
    assert got["erased"] is True and got["name"] == "Erased candidate"
    assert got["email"] is None and got["phone"] is None and got["notes"] is None
    assert got["source"] is None
    lp = api.get(f"/v1/loops/{loop['id']}").json()
    assert lp["candidate"] == {"id": c["id"], "name": "Erased candidate"}
    assert rnd["id"] in ids(lp["rounds"])
    assert len(lp["rounds"]) == 3
    cal = team.api(team.iv[0]).get("/v1/me/calendar.ics").text
    assert pii["name"] not in cal and "Erased candidate" in cal
    # erased: no second erasure, no changes, no new loops; the email is free again
    problem_of(api.delete(f"/v1/candidates/{c['id']}"), 409, "invalid_state")
    problem_of(api.patch(f"/v1/candidates/{c['id']}", json={"name": "Back"},
                         headers={"If-Match": f'"{got["version"]}"'}), 409, "invalid_state")
    r = api.post("/v1/loops", json={"candidate_id": c["id"], "position": "P",
                                    "recruiter_id": team.recruiter.id, "hiring_manager_id": team.hm.id})
    assert problem_of(r, 422, "validation_failed")["errors"][0]["field"] == "candidate_id"
    r = api.post("/v1/candidates", json={"name": "Someone else", "email": pii["email"]})
    assert r.status_code == 201, r.text


def test_erasure_removes_free_text_that_names_the_candidate(team, db):
    """DESIGN section 7: erasure removes "free text that names them". A loop
    cancelled with a reason quoting the candidate's name must not keep the
    name anywhere once the candidate is erased."""
    api = team.api()
    tag = uuid.uuid4().hex[:8]
    name = f"Ottoline Marchbanks{tag}"
    c = team.candidate(name=name)
    loop = team.loop(candidate_id=c["id"])
    team.round(loop["id"], interviewers=[(team.iv[2], "lead")])
    r = api.post(f"/v1/loops/{loop['id']}/cancel",
                 json={"reason": f"{name} accepted another offer"})
    assert r.status_code == 200, r.text
    assert api.delete(f"/v1/candidates/{c['id']}").status_code == 204
    found = scan_database(db, [name])
    assert not found, f"the candidate's name is left in free text after erasure: {found}"


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
