"""Rubrics and loop templates: the catalogue loaded at start-up, reading it
as any user, publishing org versions (admins), immutability, org isolation,
the audit event, and the start-up refusal of a changed catalogue version.

Every response goes through the OpenAPI contract check (the `api` client of
conftest.py and Principal.api)."""

import copy
import json
from urllib.parse import urlsplit

import psycopg2
import pytest

from helpers import page_all

CATALOGUE = {"recruiter_screen", "phone_screen_coding", "system_design", "coding_deep_dive",
             "behavioral", "database_sql", "api_design", "role_depth", "take_home"}


# -- fixtures of this file ------------------------------------------------------


@pytest.fixture(scope="module")
def interviewer(admin):
    """An interviewer of the shared admin's org."""
    return admin.make_user(roles=["interviewer"])


@pytest.fixture
def publisher(loopd):
    """The admin of a new org of the test's own: publishing changes what the
    org sees, so each publishing test starts from the plain catalogue."""
    return loopd.bootstrap()


@pytest.fixture(scope="module")
def bystander(loopd):
    """The admin of another org, which must never see the publisher's rubrics."""
    return loopd.bootstrap()


@pytest.fixture(scope="module")
def system_design(interviewer):
    """The catalogue's system_design v1 document (as served, without the
    served-only members)."""
    r = interviewer.api.get("/v1/rubrics/system_design")
    assert r.status_code == 200, r.text
    return document_of(r.json())


def document_of(served):
    """A served rubric minus id, scope and published_at: a publishable document."""
    doc = copy.deepcopy(served)
    for k in ("id", "scope", "published_at"):
        doc.pop(k, None)
    return doc


def error_fields(r):
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "validation_failed"
    return {e["field"] for e in body["errors"]}


# -- reading --------------------------------------------------------------------


def test_interviewer_reads_anchors_and_red_flags(interviewer):
    r = interviewer.api.get("/v1/rubrics/system_design")
    assert r.status_code == 200, r.text
    rubric = r.json()
    assert rubric["key"] == "system_design" and rubric["version"] == 1
    assert rubric["scope"] == "catalog" and rubric["kind"] == "system_design"
    assert rubric["criteria"], "no criteria"
    for c in rubric["criteria"]:
        assert [a["level"] for a in c["anchors"]] == [1, 2, 3, 4], c["key"]
        assert all(len(a["description"]) > 20 for a in c["anchors"]), c["key"]
        assert c["source"]["document"] and c["source"]["section"]
    assert rubric["red_flags"], "no red flags"
    for f in rubric["red_flags"]:
        assert f["why"] and f["severity"] in ("major", "critical"), f["key"]


def test_list_has_the_catalogue_with_kind_filter(interviewer):
    r = interviewer.api.get("/v1/rubrics")
    assert r.status_code == 200, r.text
    page = r.json()
    keys = [x["key"] for x in page["data"]]
    assert CATALOGUE <= set(keys)
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    assert page["next_cursor"] is None

    r = interviewer.api.get("/v1/rubrics", params={"kind": "behavioral"})
    assert r.status_code == 200, r.text
    assert [x["key"] for x in r.json()["data"]] == ["behavioral"]
    r = interviewer.api.get("/v1/rubrics", params={"kind": "no_such_kind"})
    assert r.status_code == 200 and r.json()["data"] == []


def test_list_pages_with_limit(interviewer):
    whole = [x["key"] for x in interviewer.api.get("/v1/rubrics").json()["data"]]
    paged = [x["key"] for x in page_all(interviewer.api, "/v1/rubrics", limit=3)]
    assert paged == whole


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "x"}, {"kind": "Bad Kind"},
                                    {"cursor": "forged.cursor"}])
def test_list_refuses_bad_query(interviewer, params):
    r = interviewer.api.get("/v1/rubrics", params=params)
    assert r.status_code == 400, r.text


def test_cursor_from_another_list_is_refused(admin):
    r = admin.api.get("/v1/users", params={"limit": 1})
    cursor = r.json().get("next_cursor")
    if not cursor:
        admin.make_user()
        cursor = admin.api.get("/v1/users", params={"limit": 1}).json()["next_cursor"]
    r = admin.api.get("/v1/rubrics", params={"cursor": cursor})
    assert r.status_code == 400 and r.json()["code"] == "invalid_cursor"


def test_version_n_and_recruiter_notes(interviewer):
    r = interviewer.api.get("/v1/rubrics/recruiter_screen/versions/1")
    assert r.status_code == 200, r.text
    rubric = r.json()
    assert rubric["version"] == 1 and rubric["scope"] == "catalog"
    notes = {n["key"] for n in rubric["notes"]}
    assert len(notes) == 4
    assert all(n["visibility"] == "recruiters_and_hiring_managers" for n in rubric["notes"])


@pytest.mark.parametrize("path", ["/v1/rubrics/no_such_rubric",
                                  "/v1/rubrics/no_such_rubric/versions/1",
                                  "/v1/rubrics/system_design/versions/99"])
def test_unknown_key_or_version_is_404(interviewer, path):
    r = interviewer.api.get(path)
    assert r.status_code == 404, r.text


@pytest.mark.parametrize("path", ["/v1/rubrics/System_Design", "/v1/rubrics/x",
                                  "/v1/rubrics/system_design/versions/0",
                                  "/v1/rubrics/system_design/versions/01",
                                  "/v1/rubrics/system_design/versions/one",
                                  "/v1/rubrics/system_design/versions/-1",
                                  "/v1/rubrics/system_design/versions/100001"])
def test_malformed_key_or_version_is_400(interviewer, path):
    r = interviewer.api.get(path)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "invalid_path_id"


def test_reading_needs_a_token(api):
    r = api.get("/v1/rubrics/system_design")
    assert r.status_code == 401


def test_loop_templates_list_backend_engineer(interviewer):
    r = interviewer.api.get("/v1/loop-templates")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["next_cursor"] is None
    templates = {t["key"]: t for t in body["data"]}
    be = templates["backend_engineer"]
    rounds = [(x["kind"], x["rubric_key"], x["required"]) for x in be["rounds"]]
    assert rounds[:5] == [(k, k, True) for k in ("recruiter_screen", "phone_screen_coding",
                                                 "system_design", "coding_deep_dive",
                                                 "behavioral")]
    assert {k for k, _, req in rounds if not req} == {"database_sql", "api_design", "role_depth"}


# -- publishing -----------------------------------------------------------------


def test_publish_org_version_and_isolation(publisher, bystander, system_design, db):
    doc = copy.deepcopy(system_design)
    doc["version"] = 2
    doc["title"] = "System design (our org)"
    doc["criteria"][0]["anchors"][3]["description"] = "Stated the numbers that mattered."
    r = publisher.api.post("/v1/rubrics/system_design/versions", json=doc)
    assert r.status_code == 201, r.text
    served = r.json()
    assert urlsplit(r.headers["Location"]).path == "/v1/rubrics/system_design/versions/2"
    assert served["scope"] == "org" and served["version"] == 2
    assert document_of(served) == doc

    latest = publisher.api.get("/v1/rubrics/system_design").json()
    assert (latest["version"], latest["scope"], latest["id"]) == (2, "org", served["id"])
    v1 = publisher.api.get("/v1/rubrics/system_design/versions/1").json()
    assert (v1["version"], v1["scope"]) == (1, "catalog")
    listed = publisher.api.get("/v1/rubrics", params={"kind": "system_design"}).json()["data"]
    assert [(x["key"], x["version"]) for x in listed] == [("system_design", 2)]

    other = bystander.api.get("/v1/rubrics/system_design").json()
    assert (other["version"], other["scope"]) == (1, "catalog")
    assert bystander.api.get("/v1/rubrics/system_design/versions/2").status_code == 404
    listed = bystander.api.get("/v1/rubrics").json()["data"]
    assert {(x["key"], x["version"]) for x in listed if x["key"] == "system_design"} == {
        ("system_design", 1)}

    # Exactly one audit event, in the publisher's org, naming the version.
    with db.cursor() as cur:
        cur.execute("SELECT org_id::text, entity_type, changes FROM audit_events"
                    " WHERE action = 'rubric.published' AND entity_id = %s", (served["id"],))
        rows = cur.fetchall()
    assert len(rows) == 1
    org, entity, changes = rows[0]
    assert org == publisher.org_id and entity == "rubric"
    assert json.loads(changes)["version"] == 2
    events = publisher.api.get("/v1/audit-events", params={"action": "rubric.published"})
    assert events.status_code == 200, events.text
    assert [e["entity_id"] for e in events.json()["data"]] == [served["id"]]


def test_published_versions_are_immutable(publisher, system_design):
    doc = copy.deepcopy(system_design)
    doc["version"] = 5
    r = publisher.api.post("/v1/rubrics/system_design/versions", json=doc)
    assert r.status_code == 201, r.text
    doc["title"] = "Changed after publication"
    for version in (5, 4, 1):
        doc["version"] = version
        r = publisher.api.post("/v1/rubrics/system_design/versions", json=doc)
        assert r.status_code == 409, (version, r.text)
    served = publisher.api.get("/v1/rubrics/system_design/versions/5").json()
    assert served["title"] == system_design["title"]


def test_org_rubric_of_its_own_is_invisible_elsewhere(publisher, bystander, system_design):
    doc = copy.deepcopy(system_design)
    doc["key"] = "staff_system_design"
    r = publisher.api.post("/v1/rubrics/staff_system_design/versions", json=doc)
    assert r.status_code == 201, r.text
    assert publisher.api.get("/v1/rubrics/staff_system_design").status_code == 200
    assert bystander.api.get("/v1/rubrics/staff_system_design").status_code == 404
    assert bystander.api.get("/v1/rubrics/staff_system_design/versions/1").status_code == 404
    keys = {x["key"] for x in bystander.api.get("/v1/rubrics").json()["data"]}
    assert "staff_system_design" not in keys


def test_invalid_document_reports_every_bad_path(publisher, system_design):
    doc = copy.deepcopy(system_design)
    doc["version"] = 50
    doc["criteria"][0]["anchors"] = doc["criteria"][0]["anchors"][:3]
    doc["red_flags"][0]["severity"] = "minor"
    doc["questions"][0]["criteria"] = ["no_such_criterion"]
    doc["surprise"] = True
    r = publisher.api.post("/v1/rubrics/system_design/versions", json=doc)
    fields = error_fields(r)
    assert "criteria[0].anchors" in fields
    assert "red_flags[0].severity" in fields
    assert "questions[0].criteria[0]" in fields
    assert "surprise" in fields


@pytest.mark.parametrize("change, field", [
    (lambda d: d.update(key="behavioral"), "key"),
    (lambda d: d.update(kind="behavioral"), "kind"),
    (lambda d: d["criteria"][1].update(key=d["criteria"][0]["key"]), "criteria[1].key"),
    (lambda d: d["criteria"][0].update(weight=0), "criteria[0].weight"),
    (lambda d: d["red_flags"][0].pop("source"), "red_flags[0].source"),
    (lambda d: d.pop("duration_minutes"), "duration_minutes"),
])
def test_invalid_document_rules(publisher, system_design, change, field):
    doc = copy.deepcopy(system_design)
    doc["version"] = 60
    change(doc)
    r = publisher.api.post("/v1/rubrics/system_design/versions", json=doc)
    assert field in error_fields(r)


@pytest.mark.parametrize("body", [b"[]", b"{\"key\": ", b"\"text\""])
def test_body_that_is_no_object_is_400(publisher, body):
    r = publisher.api.post("/v1/rubrics/system_design/versions", data=body,
                           headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text


def test_publish_needs_a_json_body(publisher):
    r = publisher.api.post("/v1/rubrics/system_design/versions", data="x",
                           headers={"Content-Type": "text/plain"})
    assert r.status_code == 415, r.text
    r = publisher.api.get("/v1/rubrics/system_design/versions")
    assert r.status_code == 405 and r.headers["Allow"] == "POST"


def test_the_application_role_cannot_change_a_version(db):
    with db.cursor() as cur:
        for sql in ("UPDATE rubrics SET title = 'x'", "DELETE FROM rubrics"):
            cur.execute("SET ROLE loopd_app")
            with pytest.raises(psycopg2.Error) as e:
                cur.execute(sql)
            assert e.value.pgcode == "42501", sql   # insufficient_privilege
            cur.execute("RESET ROLE")


def test_publishing_needs_rubrics_write(interviewer, system_design, api):
    doc = copy.deepcopy(system_design)
    doc["version"] = 70
    r = interviewer.api.post("/v1/rubrics/system_design/versions", json=doc)
    assert r.status_code == 403, r.text
    r = api.post("/v1/rubrics/system_design/versions", json=doc)
    assert r.status_code == 401


# -- start-up -------------------------------------------------------------------


def test_changed_catalogue_version_refuses_start(fresh_loopd):
    first = fresh_loopd()
    conn = first.db()
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE rubrics DISABLE TRIGGER USER")
        cur.execute("UPDATE rubrics SET digest = 'x' WHERE org_id IS NULL AND key = 'behavioral'"
                    " AND version = 1")
        assert cur.rowcount == 1
        cur.execute("ALTER TABLE rubrics ENABLE TRIGGER USER")
    conn.close()
    first.stop()

    second = fresh_loopd(data_dir=first.data_dir, start=False)
    second.start(wait=False)
    assert second.wait_exit() != 0
    want = ("rubrics/catalog/behavioral.v1.json changed after version 1 was published; "
            "published versions are immutable: add behavioral.v2.json")
    assert want in second.stderr()

    out = second.run("migrate")
    assert out.returncode != 0 and want in out.stderr


def test_catalogue_load_is_idempotent_across_restarts(fresh_loopd):
    server = fresh_loopd()
    conn = server.db()
    with conn.cursor() as cur:
        cur.execute("SELECT count(*), count(DISTINCT source_file) FROM rubrics WHERE org_id IS NULL")
        before = cur.fetchone()
    conn.close()
    assert before[0] == before[1] >= len(CATALOGUE)
    server.stop()
    server.start()
    conn = server.db()
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM rubrics WHERE org_id IS NULL")
        assert cur.fetchone()[0] == before[0]
        cur.execute("SELECT key FROM loop_templates")
        assert ("backend_engineer",) in cur.fetchall()
    conn.close()


def test_two_instances_starting_together(fresh_loopd, external_pg):
    env = {"LOOP_DATABASE_URL": external_pg.url}
    servers = [fresh_loopd(env=env, start=False) for _ in range(2)]
    for s in servers:
        s.start(wait=False)
    for s in servers:
        s.wait_ready()
    conn = external_pg.connect()
    with conn.cursor() as cur:
        cur.execute("SELECT key, version, count(*) FROM rubrics WHERE org_id IS NULL"
                    " GROUP BY key, version HAVING count(*) > 1")
        assert cur.fetchall() == []
        cur.execute("SELECT count(*) FROM rubrics WHERE org_id IS NULL")
        assert cur.fetchone()[0] >= len(CATALOGUE)
    conn.close()
