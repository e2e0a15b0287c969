"""Rubric versions and loop templates rendered once per process and served
from memory (api/repr_cache.c): a strong ETag over the bytes, 304 on
If-None-Match, Cache-Control that allows private caching, and a newly
published version visible on another instance within a bounded time (the
publish NOTIFYs from its transaction). Bounds are generous waits, never
timings."""

import copy

import pytest

from helpers import wait_for


def document_of(served):
    doc = copy.deepcopy(served)
    for k in ("id", "scope", "published_at"):
        doc.pop(k, None)
    return doc


@pytest.fixture(scope="module")
def reader(admin):
    return admin.make_user(roles=["interviewer"])


@pytest.mark.parametrize("path, cache", [
    ("/v1/rubrics/system_design", "private, no-cache"),
    ("/v1/rubrics/system_design/versions/1", "private, max-age=86400"),
    ("/v1/loop-templates", "private, no-cache"),
])
def test_etag_and_304(reader, path, cache):
    first = reader.api.get(path)
    assert first.status_code == 200, first.text
    etag = first.headers["ETag"]
    assert etag.startswith('"') and len(etag) == 34
    assert first.headers["Cache-Control"] == cache
    again = reader.api.get(path)
    assert again.content == first.content and again.headers["ETag"] == etag
    nm = reader.api.get(path, headers={"If-None-Match": etag})
    assert nm.status_code == 304 and nm.content == b""
    assert nm.headers["ETag"] == etag and nm.headers["Cache-Control"] == cache
    for header in (f'W/{etag}', f'"nope", {etag}', "*"):
        assert reader.api.get(path, headers={"If-None-Match": header}).status_code == 304
    other = reader.api.get(path, headers={"If-None-Match": '"0123456789abcdef0123456789abcdef"'})
    assert other.status_code == 200 and other.content == first.content


def test_cached_rubric_still_needs_a_valid_token(loopd, reader):
    assert reader.api.get("/v1/rubrics/system_design").status_code == 200
    r = loopd.api("not-a-token").get("/v1/rubrics/system_design", check=False)
    assert r.status_code == 401


def test_orgs_do_not_share_cached_rubrics(loopd):
    """A version an org publishes is its own, even though the other org's
    rendering of the same key is cached."""
    one, two = loopd.bootstrap(), loopd.bootstrap()
    base = one.api.get("/v1/rubrics/system_design").json()
    assert two.api.get("/v1/rubrics/system_design").json()["version"] == base["version"]
    doc = document_of(base)
    doc["version"] = base["version"] + 1
    assert one.api.post("/v1/rubrics/system_design/versions", json=doc).status_code == 201
    assert one.api.get("/v1/rubrics/system_design").json()["version"] == doc["version"]
    assert two.api.get("/v1/rubrics/system_design").json()["version"] == base["version"]


def test_published_version_shows_on_another_instance(external_pg, fresh_loopd):
    a = fresh_loopd(env={"LOOP_DATABASE_URL": external_pg.url})
    b = fresh_loopd(env={"LOOP_DATABASE_URL": external_pg.url})
    admin = a.bootstrap()
    on_b = b.api(admin.token)
    old = on_b.get("/v1/rubrics/system_design")
    assert old.status_code == 200
    old_etag = old.headers["ETag"]
    assert on_b.get("/v1/rubrics/system_design",
                    headers={"If-None-Match": old_etag}).status_code == 304
    doc = document_of(old.json())
    doc["version"] = old.json()["version"] + 1
    doc["title"] = "System design, revised"
    r = admin.api.post("/v1/rubrics/system_design/versions", json=doc)
    assert r.status_code == 201, r.text

    def fresh_on_b():
        got = on_b.get("/v1/rubrics/system_design", headers={"If-None-Match": old_etag})
        return got if got.status_code == 200 else None
    got = wait_for(fresh_on_b)
    assert got, "the other instance kept serving the old version"
    assert got.json()["version"] == doc["version"] and got.json()["title"] == doc["title"]
    assert got.headers["ETag"] != old_etag
    # and the publishing instance shows it at once
    assert admin.api.get("/v1/rubrics/system_design").json()["version"] == doc["version"]
