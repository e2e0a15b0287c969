// A webhook receiver for the tests, verifying every delivery with the
// standardwebhooks package as a real receiver would (not with loopd's code).
//
//   node webhook_receiver.mjs LOG_FILE
//
// Prints {"port": N} on its first line of stdout, then serves 127.0.0.1:N:
//   PUT  /_secrets/NAME   body: JSON list of secrets (whsec_...) to verify NAME's deliveries with
//   POST /NAME[?fail=n][&hang=1]   a delivery: answers 500 to the first n
//        deliveries to NAME, never answers with hang=1, else 204.
// Appends one JSON line per delivery to LOG_FILE:
//   {"name", "at" (ms since the epoch), "id", "timestamp", "signature",
//    "body", "verified": [one boolean per secret], "status"}
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Webhook } = require("standardwebhooks");

const log = process.argv[2];
const secrets = new Map();
const seen = new Map();

function verified(name, body, headers) {
  return (secrets.get(name) || []).map((secret) => {
    try {
      new Webhook(secret).verify(body, headers);
      return true;
    } catch {
      return false;
    }
  });
}

function delivery(req, res, url, body) {
  const name = url.pathname.slice(1);
  const n = (seen.get(name) || 0) + 1;
  seen.set(name, n);
  const hang = url.searchParams.get("hang") === "1";
  const status = n <= Number(url.searchParams.get("fail") || 0) ? 500 : 204;
  appendFileSync(log, JSON.stringify({
    name, at: Date.now(), id: req.headers["webhook-id"],
    timestamp: req.headers["webhook-timestamp"], signature: req.headers["webhook-signature"],
    body, verified: verified(name, body, req.headers), status: hang ? null : status,
  }) + "\n");
  if (!hang) {
    res.writeHead(status);
    res.end();
  }
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url, "http://receiver");
    if (req.method === "PUT" && url.pathname.startsWith("/_secrets/")) {
      secrets.set(url.pathname.slice("/_secrets/".length), JSON.parse(body));
      res.writeHead(204);
      res.end();
    } else {
      delivery(req, res, url, body);
    }
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
