"""oauth4webapi (npm), a strict third-party OAuth client, walks the whole
authorization code flow against the shared loopd: discovery, PKCE, the
sign-in form, the code exchange, a refresh and a revocation, checking every
response as RFC 6749, 7636, 8414 and 7009 ask (oauth4webapi_client.mjs).
About two seconds."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import ROOT
from oauth_flow import code_client

SCRIPT = Path(__file__).with_name("oauth4webapi_client.mjs")


def run_client(loopd, client_id, redirect_uri, user):
    node = shutil.which("node")
    if not node or not Path(ROOT, "node_modules", "oauth4webapi").is_dir():
        pytest.skip("node or node_modules/oauth4webapi is missing (npm ci)")
    env = dict(os.environ, LOOPD_URL=loopd.url, CLIENT_ID=client_id, REDIRECT_URI=redirect_uri,
               EMAIL=user.email, PASSWORD=user.password)
    p = subprocess.run([node, str(SCRIPT)], env=env, cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, f"oauth4webapi refused something:\n{p.stderr[-3000:]}"
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_console_client_passes_oauth4webapi(loopd, new_org):
    admin = new_org()
    seen = run_client(loopd, "loopd-console", loopd.url + "/app/", admin)
    assert seen["me"] == admin.user_id
    assert seen["issuer"] == loopd.url
    assert "users:admin" in seen["scope"].split()


def test_registered_public_client_passes_oauth4webapi(loopd, org_admin):
    uri = "http://127.0.0.1:9/callback"
    c = code_client(org_admin, [uri])
    user = org_admin.make_user(roles=["interviewer"])
    seen = run_client(loopd, c["id"], uri, user)
    assert seen["me"] == user.id
    assert seen["scope"] == seen["refreshed_scope"]

