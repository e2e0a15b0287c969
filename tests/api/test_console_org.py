"""The console's org link (/app/?org=ID -> /oauth/authorize?org=ID): the org a
person signs in to is named by the link, not guessed from the email, so the
admin of another org who adds a victim's email to their own org cannot keep
the victim out of the console; an org whose password grant is off still
signs in through it. Black-box, on the shared loopd."""

import json
import re
import uuid

import pytest

from helpers import TOKEN, me, oauth_error, password_form, post_form
from oauth_flow import SignIn, authorize_query, exchange, pkce, redirect_params

pytestmark = pytest.mark.usefixtures("no_throttle_spill")

CONSOLE = {"id": "loopd-console"}
AMBIGUOUS = "Use your organisation&#39;s sign-in link to sign in (ask your admin for it)."
WRONG = "The email or password is wrong."


def console_page(loopd, org=None):
    verifier, challenge = pkce()
    s = SignIn(loopd)
    q = authorize_query("loopd-console", loopd.url + "/app/", challenge, org=org)
    r = s.open(q, check=False)
    return s, q, verifier, r


def alert(page):
    m = re.search(r'<p role="alert" id="error">([^<]*)</p>', page.text)
    return m and m.group(1)


def token_via_link(loopd, who, org):
    s, q, verifier, r = console_page(loopd, org)
    assert r.status_code == 200, r.text
    loc, params = redirect_params(s.submit(who.email, who.password))
    assert params["state"] == q["state"]
    body = exchange(loopd, CONSOLE, params["code"], loopd.url + "/app/", verifier).json()
    return body["access_token"]


def test_another_org_adding_the_email_does_not_lock_the_victim_out(loopd, new_org):
    victim = new_org()
    evil = new_org()
    evil.make_user(roles=["interviewer"], email=victim.email, password="evil-knows-this-1")
    # with the org link the victim signs in to their own org, not Evil's
    r = me(loopd, token_via_link(loopd, victim, victim.org_id))
    assert r.status_code == 200 and r.json()["org_id"] == victim.org_id
    assert r.json()["id"] == victim.user_id
    # without it no org is guessed: the same answer whatever the password
    answers = set()
    for pw in (victim.password, "evil-knows-this-1", "wrong password!"):
        s, q, verifier, page = console_page(loopd)
        got = s.submit(victim.email, pw)
        assert got.status_code == 200 and "Location" not in got.headers
        assert AMBIGUOUS in got.text and WRONG not in got.text
        answers.add(alert(got))
    assert len(answers) == 1


def test_the_org_link_names_exactly_its_org(loopd, new_org):
    a, b = new_org(), new_org()
    # b's admin at a's link is a name a does not have: the usual answer
    s, q, verifier, page = console_page(loopd, a.org_id)
    assert alert(s.submit(b.email, b.password)) == WRONG
    # an org id no org has looks the same as a wrong password (no oracle)
    for org in (str(uuid.uuid4()), a.org_id):
        s, q, verifier, page = console_page(loopd, org)
        assert page.status_code == 200
        got = s.submit(a.email if org == a.org_id else b.email, "wrong password!")
        assert got.status_code == 200 and alert(got) == WRONG
    s, q, verifier, page = console_page(loopd, str(uuid.uuid4()))
    assert alert(s.submit(a.email, a.password)) == WRONG
    # without a link, an email in one org keeps today's rule
    assert me(loopd, token_via_link(loopd, a, None)).json()["org_id"] == a.org_id


@pytest.mark.parametrize("org", ["not-a-uuid", "", "1" * 36])
def test_a_malformed_org_is_an_invalid_request_redirect(loopd, org):
    s, q, verifier, r = console_page(loopd, org)
    loc, params = redirect_params(r)
    assert params["error"] == "invalid_request" and "org" in params["error_description"]
    assert params["state"] == q["state"]


def test_org_is_bound_by_the_csrf_token(loopd, new_org):
    a, b = new_org(), new_org()
    for tampered in (b.org_id, None):
        s, q, verifier, page = console_page(loopd, a.org_id)
        assert f'name="org" value="{a.org_id}"' in page.text
        r = s.submit(a.email, a.password, org=tampered)
        assert r.status_code == 403 and "expired" in r.text
    s, q, verifier, page = console_page(loopd)
    assert 'name="org"' not in page.text
    assert s.submit(a.email, a.password, org=a.org_id).status_code == 403


def test_password_grant_off_the_admin_signs_in_with_the_org_link(loopd, new_org):
    org = new_org()
    r = org.api.patch("/v1/org", json={"password_grant": False})
    assert r.status_code == 200 and r.json()["password_grant"] is False
    # another org adds the admin's email too: the hint-less console fails
    new_org().make_user(email=org.email)
    s, q, verifier, page = console_page(loopd)
    assert AMBIGUOUS in s.submit(org.email, org.password).text
    oauth_error(post_form(loopd, TOKEN, password_form(org), check=False), 400,
                "unauthorized_client")
    # the documented recovery prints the link that works
    out = loopd.run("admin", "create-client", "--org", org.org_id)
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout.strip().splitlines()[-1])
    assert printed["console_url"] == f"{loopd.url}/app/?org={org.org_id}"
    assert "password grant off" in out.stderr and printed["console_url"] in out.stderr
    oauth_error(post_form(loopd, TOKEN, password_form(org, client_id=printed["client_id"]),
                          check=False), 400, "unauthorized_client")
    token = token_via_link(loopd, org, org.org_id)
    api = loopd.api(token=token)
    assert api.get("/v1/org").json()["password_grant"] is False
    assert api.patch("/v1/org", json={"password_grant": True}).status_code == 200


def test_get_org_has_the_console_url(loopd, new_org):
    org = new_org()
    body = org.api.get("/v1/org").json()
    assert body["console_url"] == f"{loopd.url}/app/?org={org.org_id}"
