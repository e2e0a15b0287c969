"""Black-box tests of the failed-login throttle: five failures lock an
account for a while (however its email is spelled), a success clears the
account's counter, twenty failures from one address lock the address, and
wrong current passwords given to POST /v1/me/password count too.

Every test ages the counters out afterwards (`no_throttle_spill`): failed
logins from 127.0.0.1 count toward the per-address limit of every test."""

import uuid

import pytest
import requests

from helpers import (TOKEN, forget_login_failures, oauth_error, password_form, post_form,
                     problem_of, user_with_token)

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


def test_throttle_after_five_failures_and_recovery(loopd, org_admin, db):
    p, _ = user_with_token(org_admin, roles=("recruiter",))
    forget_login_failures(db)
    for _ in range(5):
        oauth_error(post_form(loopd, TOKEN, password_form(p, password="wrong-password-xx")),
                    400, "invalid_grant")
    for form in (password_form(p), password_form(p, password="wrong-password-xx")):
        r = post_form(loopd, TOKEN, form)
        problem_of(r, 429, "too_many_requests")
        assert 1 <= int(r.headers["Retry-After"]) <= 900
    # the same email in upper case is the same account
    r = post_form(loopd, TOKEN, {**password_form(p), "username": p.email.upper()})
    problem_of(r, 429, "too_many_requests")
    # another account is not affected
    assert post_form(loopd, TOKEN, password_form(org_admin)).status_code == 200
    # the window passes
    with db.cursor() as cur:
        cur.execute("UPDATE login_failures SET failed_at = failed_at - interval '16 minutes'"
                    " WHERE key = %s", (f"acct:{p.org_id}:{p.user_id}",))
    r = post_form(loopd, TOKEN, password_form(p))
    assert r.status_code == 200, r.text


def test_success_clears_the_account_counter(loopd, org_admin, db):
    p, _ = user_with_token(org_admin, roles=("recruiter",))
    forget_login_failures(db)
    for _ in range(4):
        post_form(loopd, TOKEN, password_form(p, password="wrong-password-xx"))
    assert post_form(loopd, TOKEN, password_form(p)).status_code == 200
    for _ in range(4):
        post_form(loopd, TOKEN, password_form(p, password="wrong-password-xx"))
    assert post_form(loopd, TOKEN, password_form(p)).status_code == 200


def test_throttle_per_address_after_twenty_failures(loopd, org_admin, db):
    forget_login_failures(db)
    try:
        for i in range(20):
            r = post_form(loopd, TOKEN, {"grant_type": "password",
                                         "username": f"nobody{i}-{uuid.uuid4().hex[:6]}@x.test",
                                         "password": "wrong-password-xx",
                                         "client_id": org_admin.client_id})
            oauth_error(r, 400, "invalid_grant")
        r = post_form(loopd, TOKEN, password_form(org_admin))
        problem_of(r, 429, "too_many_requests")
        assert int(r.headers["Retry-After"]) >= 1
    finally:
        forget_login_failures(db, "addr:127.0.0.1")
    assert post_form(loopd, TOKEN, password_form(org_admin)).status_code == 200


def test_throttle_counts_spelling_variants_of_one_account(loopd, admin, db):
    p, _ = user_with_token(admin, roles=("recruiter",))
    forget_login_failures(db)
    form = {"grant_type": "password", "username": p.email, "password": "wrong-password-xx",
            "client_id": admin.client_id}
    for _ in range(5):
        assert requests.post(loopd.url + TOKEN, data=form).status_code == 400
    variant = p.email.replace("i", "\u0130", 1) if "i" in p.email else p.email.upper()
    r = requests.post(loopd.url + TOKEN, data={**form, "username": variant,
                                                "password": p.password})
    assert r.status_code != 200, "a spelling variant of the account escaped its throttle"
    forget_login_failures(db)


def test_password_change_guesses_are_throttled(loopd, admin, db):
    p, token = user_with_token(admin, roles=("interviewer",))
    forget_login_failures(db)
    api = loopd.api(token=token)
    for _ in range(5):
        r = api.post("/v1/me/password", json={"current_password": "guess-guess-guess",
                                              "new_password": "another-long-password"})
        assert r.status_code == 422
    r = api.post("/v1/me/password", json={"current_password": p.password,
                                          "new_password": "another-long-password"})
    assert r.status_code == 429, r.text
    assert int(r.headers["Retry-After"]) >= 1
    forget_login_failures(db)
