"""Black-box tests of `loopd admin bootstrap`, which makes an organisation,
its first admin and its first-party client: the password read from stdin,
and bad input refused with status 2 and nothing on stdout."""

import json
import uuid

import pytest

from helpers import ALL_SCOPES, TOKEN, post_form

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


def test_bootstrap_reads_the_password_from_stdin(loopd):
    email = f"stdin-{uuid.uuid4().hex[:8]}@example.test"
    assert "LOOP_ADMIN_PASSWORD" not in loopd.env
    out = loopd.run("admin", "bootstrap", "--org", "Stdin Org", "--email", email,
                    input="a-password-from-stdin\n")
    assert out.returncode == 0, out.stderr
    ids = json.loads(out.stdout.strip())
    assert set(ids) == {"org_id", "user_id", "client_id"}
    r = post_form(loopd, TOKEN, {"grant_type": "password", "username": email,
                                 "password": "a-password-from-stdin",
                                 "client_id": ids["client_id"]})
    assert r.status_code == 200, r.text
    assert r.json()["scope"] == " ".join(ALL_SCOPES)


@pytest.mark.parametrize("args,password", [
    (["--org", "X", "--email", "a@b.test"], "short"),
    (["--org", "X", "--email", "not-an-email"], "long-enough-password"),
    (["--email", "a@b.test"], "long-enough-password"),
])
def test_bootstrap_refuses_bad_input(loopd, args, password):
    out = loopd.run("admin", "bootstrap", *args, env={"LOOP_ADMIN_PASSWORD": password})
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert out.stdout.strip() == ""
