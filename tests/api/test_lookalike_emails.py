"""Black-box tests of look-alike emails (issue 12): a second user or
candidate whose email differs only by a zero-width space, a full-width
letter or a Cyrillic letter is a 409 duplicate or a 422 saying why; emails
are stored normalised (NFKC, lower case); the password grant finds a user
by any NFKC-equivalent spelling, and a refused spelling is an unknown user.

State lives in organisations of this module's own (`org_admin`, `team`)."""

import uuid

import pytest

from helpers import TOKEN, oauth_error, post_form, problem_of

pytestmark = pytest.mark.usefixtures("no_throttle_spill")

PASSWORD = "Plenty-0f-entropy"
ZWSP, ZWJ, RLO = "\u200b", "\u200d", "\u202e"
CYRILLIC_A = "\u0430"


def fullwidth(s):
    """s with ASCII letters and digits as their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in s)


def field_codes(r):
    body = problem_of(r, 422, "validation_failed")
    return {e["field"]: e["code"] for e in body["errors"]}


def new_user(api, email, check=True):
    r = api.post("/v1/users", json={"email": email, "name": "Look Alike", "password": PASSWORD,
                                    "roles": ["interviewer"]}, check=check)
    return r


def login(loopd, org_admin, username):
    return post_form(loopd, TOKEN, {"grant_type": "password", "username": username,
                                    "password": PASSWORD, "client_id": org_admin.client_id})


@pytest.fixture
def local():
    return f"ada{uuid.uuid4().hex[:8]}"


# -- users -------------------------------------------------------------------


def test_user_email_is_stored_normalised(org_admin, local):
    r = new_user(org_admin.api, f"{fullwidth(local.capitalize())}@Example.test")
    assert r.status_code == 201, r.text
    assert r.json()["email"] == f"{local}@example.test"


@pytest.mark.parametrize("variant", ["fullwidth", "upper_fullwidth", "fullwidth_at"])
def test_second_user_differing_by_a_fullwidth_letter_is_duplicate(org_admin, local, variant):
    assert new_user(org_admin.api, f"{local}@example.test").status_code == 201
    email = {"fullwidth": f"{fullwidth(local[0])}{local[1:]}@example.test",
             "upper_fullwidth": f"{fullwidth(local.upper())}@example.test",
             "fullwidth_at": f"{local}\uff20example\uff0etest"}[variant]
    problem_of(new_user(org_admin.api, email), 409, "duplicate")


@pytest.mark.parametrize("insert, code", [
    (ZWSP, "invisible_characters"), (ZWJ, "invisible_characters"),
    (RLO, "invisible_characters"), ("\u00ad", "invisible_characters"),
    (CYRILLIC_A, "mixed_script"),
])
def test_user_lookalike_is_refused_saying_why(org_admin, local, insert, code):
    assert new_user(org_admin.api, f"{local}@example.test").status_code == 201
    r = new_user(org_admin.api, f"{local[:1]}{insert}{local[1:]}@example.test")
    assert field_codes(r) == {"email": code}
    assert "must not" in r.json()["errors"][0]["message"]


def test_cyrillic_a_replacing_a_latin_a_is_refused(org_admin, local):
    r = new_user(org_admin.api, f"{CYRILLIC_A}{local[1:]}@example.test")
    assert field_codes(r) == {"email": "mixed_script"}


def test_single_script_and_idn_emails_are_accepted(org_admin):
    tag = str(uuid.uuid4().int)[:8]     # digits are of no script: the part stays single-script
    cyrillic = f"\u0410\u0434\u0430{tag}@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444"
    r = new_user(org_admin.api, cyrillic)
    assert r.status_code == 201, r.text
    assert r.json()["email"] == cyrillic.replace("\u0410", "\u0430")
    greek = f"\u03b1\u03b4\u03b1{tag}@b\u00fccher.de"
    assert new_user(org_admin.api, greek).status_code == 201
    # the A-label of the same domain is the same address
    problem_of(new_user(org_admin.api, f"\u03b1\u03b4\u03b1{tag}@xn--bcher-kva.de"), 409, "duplicate")


def test_login_with_an_equivalent_spelling_finds_the_user(loopd, org_admin, local):
    assert new_user(org_admin.api, f"{local}@example.test").status_code == 201
    for username in (f"{local}@example.test", f"{fullwidth(local)}@EXAMPLE.test",
                     f"{local.upper()}\uff20example.test"):
        r = login(loopd, org_admin, username)
        assert r.status_code == 200, (username, r.text)


def test_login_with_a_refused_spelling_is_an_unknown_user(loopd, org_admin, local):
    assert new_user(org_admin.api, f"{local}@example.test").status_code == 201
    for username in (f"{local}{ZWSP}@example.test", f"{CYRILLIC_A}{local[1:]}@example.test"):
        oauth_error(login(loopd, org_admin, username), 400, "invalid_grant")


# -- candidates --------------------------------------------------------------


def new_candidate(team, email):
    return team.api().post("/v1/candidates", json={"name": "Look Alike", "email": email})


def test_candidate_lookalikes_are_duplicates_or_refused(team, local):
    r = new_candidate(team, f"{local}@example.test")
    assert r.status_code == 201, r.text
    first = r.json()
    body = problem_of(new_candidate(team, f"{fullwidth(local)}@example.test"), 409, "duplicate")
    assert body["existing_id"] == first["id"]
    problem_of(new_candidate(team, f"{local.upper()}@example.TEST"), 409, "duplicate")
    assert field_codes(new_candidate(team, f"{local}{ZWSP}@example.test")) == \
        {"email": "invisible_characters"}
    assert field_codes(new_candidate(team, f"{CYRILLIC_A}{local[1:]}@example.test")) == \
        {"email": "mixed_script"}


def test_candidate_patch_normalises_and_detects_duplicates(team, local):
    a = new_candidate(team, f"{local}a@example.test").json()
    b = new_candidate(team, f"{local}b@example.test").json()
    api = team.api()
    r = api.patch(f"/v1/candidates/{b['id']}", json={"email": f"{fullwidth(local)}A@example.test"},
                  headers={"If-Match": '"1"'})
    body = problem_of(r, 409, "duplicate")
    assert body["existing_id"] == a["id"]
    r = api.patch(f"/v1/candidates/{b['id']}", json={"email": f"{local}{ZWJ}b@example.test"},
                  headers={"If-Match": '"1"'})
    assert field_codes(r) == {"email": "invisible_characters"}
    r = api.patch(f"/v1/candidates/{b['id']}", json={"email": f"{fullwidth(local)}C@Example.test"},
                  headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["email"] == f"{local}c@example.test"
