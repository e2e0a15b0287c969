"""Findings of the second outside review, each a black-box test that failed
before its fix."""

import pytest


@pytest.mark.parametrize("url", [
    "https://[64:ff9b::7f00:1]/hook",      # NAT64 of 127.0.0.1
    "https://[64:ff9b::a9fe:a9fe]/hook",   # NAT64 of the metadata address
    "https://[64:ff9b:1::a00:1]/hook",     # local-use NAT64 prefix
    "https://[2002:7f00:1::]/hook",        # 6to4 of 127.0.0.1
    "https://[2002:a9fe:a9fe::1]/hook",    # 6to4 of 169.254.169.254
    "https://[::127.0.0.1]/hook",          # IPv4-compatible 127.0.0.1
    "https://[::ffff:0:7f00:1]/hook",      # IPv4-translated (SIIT) 127.0.0.1
    "https://[::a9fe:a9fe]/hook",          # IPv4-compatible metadata address
    "https://[fec0::1]/hook",              # site-local
])
def test_webhook_refuses_ipv6_forms_of_inward_ipv4(admin, url):
    """An IPv6 address that carries a loopback, private or link-local IPv4
    address (NAT64, 6to4, IPv4-compatible) reaches that address through a
    translator or relay: refused like the IPv4 address itself."""
    r = admin.api.post("/v1/webhooks", json={"url": url, "events": ["ping"]})
    assert r.status_code == 422, r.text
    assert any(e["code"] == "address_refused" for e in r.json()["errors"]), r.text


@pytest.mark.parametrize("url", [
    "https://[2002:5db8:d822::1]/hook",    # 6to4 of a public address
    "https://[64:ff9b::5db8:d822]/hook",   # NAT64 of a public address
])
def test_webhook_accepts_ipv6_forms_of_public_ipv4(admin, url):
    r = admin.api.post("/v1/webhooks", json={"url": url, "events": ["ping"]})
    assert r.status_code == 201, r.text
    assert admin.api.delete(f"/v1/webhooks/{r.json()['id']}").status_code == 204


@pytest.mark.parametrize("how", ["repeated", "undecodable", "method", "media_type"])
def test_every_authorize_answer_has_the_page_headers(api, how):
    """README: every answer at /oauth/authorize, page or not, has the strict
    headers; so do those refused before the handler runs."""
    q = "response_type=code&client_id=loopd-console&state=a"
    if how == "repeated":
        r = api.get(f"/oauth/authorize?{q}&state=b")
    elif how == "undecodable":
        r = api.get(f"/oauth/authorize?{q}&scope=%ff")
    elif how == "method":
        r = api.request("PUT", f"/oauth/authorize?{q}")
    else:
        r = api.post("/oauth/authorize", json={"email": "a@b.test"})
    assert 400 <= r.status_code < 500, r.text
    assert r.headers.get("Content-Security-Policy") == (
        "default-src 'none'; style-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'")
    assert r.headers.get("Referrer-Policy") == "no-referrer"
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    assert r.headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize("url", ["https://user:s3cret@93.184.216.34/hook",
                                 "https://token@93.184.216.34/hook",
                                 "https://:s3cret@93.184.216.34/hook"])
def test_webhook_url_with_credentials_is_refused(admin, url):
    """Credentials in a webhook URL would be echoed by every GET and list and
    written for good into the hash-chained audit log: refused, at creation
    and by PATCH, and nothing is written."""
    r = admin.api.post("/v1/webhooks", json={"url": url, "events": ["ping"]})
    assert r.status_code == 422, r.text
    assert [e["code"] for e in r.json()["errors"]] == ["invalid_url"], r.text
    made = admin.api.post("/v1/webhooks", json={"url": "https://93.184.216.34/hook",
                                                 "events": ["ping"]})
    assert made.status_code == 201, made.text
    wid = made.json()["id"]
    r = admin.api.patch(f"/v1/webhooks/{wid}", json={"url": url})
    assert r.status_code == 422, r.text
    assert admin.api.get(f"/v1/webhooks/{wid}").json()["url"] == "https://93.184.216.34/hook"
    assert admin.api.delete(f"/v1/webhooks/{wid}").status_code == 204


def test_survey_form_keeps_the_answers_it_refuses(loopd, team):
    """A candidate who forgot one answer gets the form back with every other
    answer and the comment still in it (escaped), not an empty form."""
    import html as htmllib
    import re
    import requests
    from surveys import form_fields, issue, questions
    link = issue(team, team.loop()["id"])
    qs = questions(team.api(), link["token"])
    page = loopd.url + f"/survey/{link['token']}"
    s = requests.Session()
    csrf, _ = form_fields(s.get(page).text)
    comment = "Kind panel </textarea><script>alert(1)</script> & more"
    form = {"csrf_token": csrf, "comment": comment}
    form.update({q["key"]: ("no" if i == 0 else "yes") for i, q in enumerate(qs)})
    r = s.post(page, data=form)   # no overall_rating
    assert r.status_code == 422, r.text
    assert "<script>" not in r.text
    box = re.search(r"<textarea[^>]*>(.*?)</textarea>", r.text, re.S)
    assert box and htmllib.unescape(box.group(1)) == comment, r.text
    for i, q in enumerate(qs):
        want = "no" if i == 0 else "yes"
        assert f'name="{q["key"]}" value="{want}" checked' in r.text, q["key"]
    assert " checked" not in re.search(r'(<fieldset><legend>[^<]*</legend>\n'
                                       r'(?:<label><input type="radio" name="overall_rating"'
                                       r'[^\n]*\n)+)', r.text).group(1)
    form["overall_rating"] = "3"
    r = s.post(page, data=form)
    assert r.status_code == 200, r.text


def test_links_issued_at_once_leave_one_live(loopd, team):
    """Issuing revokes the loop's earlier links; two issues at once (a double
    click, a retry) must not leave two live links, each good for an answer."""
    import concurrent.futures
    loop_id = team.loop()["id"]
    token = team.recruiter.token

    def issue_one(_):
        r = loopd.api(token).post(f"/v1/loops/{loop_id}/candidate-survey")
        assert r.status_code == 201, r.text
        return r.json()["token"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(issue_one, range(16)))
    live = [t for t in tokens if loopd.api().get(f"/v1/surveys/{t}").status_code == 200]
    assert len(live) == 1, f"{len(live)} live links for one loop"


def test_too_long_state_is_refused_not_dropped(loopd):
    """A state over 512 characters was silently left out of the form, so the
    sign-in came back to the client with a code and no state."""
    import urllib.parse
    base = loopd.url
    q = urllib.parse.urlencode({
        "response_type": "code", "client_id": "loopd-console", "redirect_uri": base + "/app/",
        "code_challenge": "a" * 43, "code_challenge_method": "S256", "state": "s" * 600})
    r = loopd.api().get(f"/oauth/authorize?{q}")
    assert r.status_code == 302, r.text
    back = urllib.parse.urlsplit(r.headers["Location"])
    assert back.geturl().startswith(base + "/app/?")
    params = urllib.parse.parse_qs(back.query)
    assert params["error"] == ["invalid_request"] and "code" not in params, params
    q512 = q.replace("s" * 600, "s" * 512)
    r = loopd.api().get(f"/oauth/authorize?{q512}")
    assert r.status_code == 200 and 'name="state" value="' + "s" * 512 + '"' in r.text


def test_an_org_holds_a_bounded_number_of_webhooks(new_org):
    """Every event is one delivery per subscription: without a bound one
    admin made one candidate POST into thousands of outbound requests."""
    org = new_org()
    made = []
    for i in range(50):
        r = org.api.post("/v1/webhooks", json={"url": f"https://93.184.216.34/h{i}",
                                               "events": ["*"]})
        assert r.status_code == 201, f"{i}: {r.text}"
        made.append(r.json()["id"])
    r = org.api.post("/v1/webhooks", json={"url": "https://93.184.216.34/one-more",
                                           "events": ["*"]})
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "conflict" and "at most 50" in r.json()["detail"]
    assert len(org.api.get("/v1/webhooks?limit=100").json()["data"]) == 50
    assert org.api.delete(f"/v1/webhooks/{made[0]}").status_code == 204
    r = org.api.post("/v1/webhooks", json={"url": "https://93.184.216.34/one-more",
                                           "events": ["*"]})
    assert r.status_code == 201, r.text
