"""The authorization code flow as a browser-less client walks it, for the
OAuth tests (import: `from oauth_flow import ...`).

  pkce()                          -> (verifier, S256 challenge)
  code_client(admin, uris, public=True, grants=None, scopes=None) -> client dict
  authorize_query(client_id, redirect_uri, challenge, **over) -> query dict
  SignIn(server)                  one browser: .open(query) GETs the page,
                                  .submit(email, password, **over) posts its form
  form_fields(html)               the page's form fields (hidden ones filled)
  redirect_params(r)              the query of a 302's Location
  code_for(server, client, user, uri, scope=None) -> (code, verifier)
  exchange(server, client, code, uri, verifier, check=True) -> response
  CSP                             the policy every sign-in answer carries
"""

import base64
import hashlib
import html.parser
import secrets
import urllib.parse

from harness import Api

CSP = ("default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")


def pkce():
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def code_client(admin, uris, public=True, grants=None, scopes=None):
    body = {"name": "code client", "grants": grants or ["authorization_code", "refresh_token"],
            "scopes": scopes or ["loops:read", "candidates:read", "scorecards:write"],
            "redirect_uris": list(uris), "public": public}
    r = admin.api.post("/v1/clients", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def authorize_query(client_id, redirect_uri, challenge, **over):
    q = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
         "code_challenge": challenge, "code_challenge_method": "S256",
         "state": secrets.token_urlsafe(12)}
    q.update(over)
    return {k: v for k, v in q.items() if v is not None}


class _Form(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""


def form_fields(text):
    p = _Form()
    p.feed(text)
    return p.fields


class SignIn:
    """One browser (its own cookie jar) on the sign-in page."""

    def __init__(self, server):
        self.api = Api(server.url)
        self.page = None

    def open(self, query, check=True):
        self.page = self.api.get("/oauth/authorize", params=query, check=check)
        return self.page

    def submit(self, email, password, check=True, **over):
        form = form_fields(self.page.text)
        form.update({"email": email, "password": password})
        form.update(over)
        form = {k: v for k, v in form.items() if v is not None}
        return self.api.post("/oauth/authorize", data=form, check=check)


def redirect_params(r):
    assert r.status_code == 302, f"expected a redirect, got {r.status_code}: {r.text[:300]}"
    loc = urllib.parse.urlsplit(r.headers["Location"])
    return loc, dict(urllib.parse.parse_qsl(loc.query))


def code_for(server, client, user, uri, scope=None):
    verifier, challenge = pkce()
    s = SignIn(server)
    q = authorize_query(client["id"], uri, challenge, scope=scope)
    assert s.open(q).status_code == 200
    loc, params = redirect_params(s.submit(user.email, user.password))
    assert params["state"] == q["state"]
    return params["code"], verifier


def exchange(server, client, code, uri, verifier, check=True):
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": uri,
            "client_id": client["id"], "code_verifier": verifier}
    if client.get("client_secret"):
        form["client_secret"] = client["client_secret"]
    return server.api().post("/oauth/token", data=form, check=check)
