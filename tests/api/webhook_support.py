"""Helpers of the webhook tests (import them: `from webhook_support import ...`).

  Receiver(dir)   a webhook_receiver.mjs process on loopback: .url(name,
                  fail=0, hang=False), .trust(name, secrets) (verify name's
                  deliveries with these), .deliveries(name=None) (the log, one
                  dict per delivery, oldest first, body parsed as .event),
                  .wait(name, n, bound) (at least n deliveries to name), .stop()
  INSECURE_ENV    the loopd settings the tests run with: loopback receivers
                  allowed, a short retry schedule (test-only), short timeouts
  subscribe(api, url, events=("*",))  POST /v1/webhooks, asserting 201
  settled(server, webhook_id, bound)  waits until the subscription has no
                  pending delivery; returns its deliveries (GET .../deliveries)
"""
import json
import os
import subprocess
import urllib.request
from pathlib import Path

from harness import ROOT
from helpers import wait_for

RECEIVER = Path(__file__).with_name("webhook_receiver.mjs")

# LOOP_WEBHOOK_RETRY_SCHEDULE and LOOP_WEBHOOK_ALLOW_INSECURE are for tests
# and local development only.
INSECURE_ENV = {
    "LOOP_WEBHOOK_ALLOW_INSECURE": "1",
    "LOOP_WEBHOOK_RETRY_SCHEDULE": "1,3",
    "LOOP_WEBHOOK_TIMEOUT": "3",
    "LOOP_WEBHOOK_WORKERS": "3",
    "LOOP_WEBHOOK_SWEEP": "1",
}


class Receiver:
    def __init__(self, directory):
        self.log = Path(directory, "deliveries.jsonl")
        self.log.touch()
        env = dict(os.environ, NODE_PATH=str(Path(ROOT, "node_modules")))
        self.proc = subprocess.Popen(["node", str(RECEIVER), str(self.log)], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline()
        assert line, "the webhook receiver did not start"
        self.port = json.loads(line)["port"]

    def url(self, name, fail=0, hang=False):
        q = "&".join(p for p in (f"fail={fail}" if fail else "", "hang=1" if hang else "") if p)
        return f"http://127.0.0.1:{self.port}/{name}" + (f"?{q}" if q else "")

    def trust(self, name, secrets):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/_secrets/{name}",
                                     data=json.dumps(list(secrets)).encode(), method="PUT")
        urllib.request.urlopen(req, timeout=10).close()

    def deliveries(self, name=None):
        rows = [json.loads(line) for line in self.log.read_text().splitlines() if line]
        for r in rows:
            r["event"] = json.loads(r["body"])
        return [r for r in rows if name is None or r["name"] == name]

    def wait(self, name, n, bound=20.0):
        wait_for(lambda: len(self.deliveries(name)) >= n, bound)
        got = self.deliveries(name)
        assert len(got) >= n, f"{name}: {len(got)} deliveries of the {n} awaited"
        return got

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=10)


def subscribe(api, url, events=("*",), **fields):
    r = api.post("/v1/webhooks", json={"url": url, "events": list(events), **fields})
    assert r.status_code == 201, r.text
    return r.json()


def settled(api, webhook_id, bound=30.0):
    def done():
        rows = api.get(f"/v1/webhooks/{webhook_id}/deliveries", params={"limit": 200}).json()
        return rows["data"] if all(d["status"] != "pending" for d in rows["data"]) else None
    rows = wait_for(done, bound)
    assert rows is not None, "deliveries still pending"
    return rows
