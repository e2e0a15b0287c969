"""The OpenAPI contract checker used by every black-box API test.

`check(response)` asserts that a `requests` response is one the document in
openapi/openapi.yaml allows: the path and method are documented, the status
is declared for that operation (or `default`), the required response headers
are present and valid, the content type is declared, and a JSON body matches
the declared schema (JSON Schema 2020-12, `$ref`s resolved in the whole
document).

Routing errors apply to every path and are documented once, as reusable
responses: a path that matches no documented template must answer 404 and
match `components.responses.NotFound`; a documented path called with an
undocumented method must answer 405 and match
`components.responses.MethodNotAllowed`, whose `Allow` header must list the
documented methods of that path (so a method the server serves but the
document omits shows up here).

Every (method, path template, status) seen is recorded; `coverage_lines()`
summarises which declared responses the test run exercised (printed at the
end of the session by conftest.py).
"""

import json
import os
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft202012Validator, RefResolver

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ROUTING = "(routing)"


def source_dir():
    env = os.environ.get("LOOP_SOURCE_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2]


DOC_PATH = source_dir() / "openapi" / "openapi.yaml"


def _media_type(value):
    """('application/json', {'charset': 'utf-8'}) from a Content-Type value."""
    if not value:
        return "", {}
    parts = [p.strip() for p in value.split(";")]
    params = {}
    for p in parts[1:]:
        if "=" in p:
            k, v = p.split("=", 1)
            params[k.strip().lower()] = v.strip().strip('"')
    return parts[0].lower(), params


def _is_json(media):
    return media == "application/json" or media.endswith("+json")


def _no_duplicate_keys(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise AssertionError(f"response body has a duplicate key {k!r}")
        obj[k] = v
    return obj


class Contract:
    def __init__(self, path=DOC_PATH):
        self.path = Path(path)
        with open(self.path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        self.resolver = RefResolver.from_schema(self.doc)
        self.templates = []  # (literal chars, regex, template), most specific first
        for template in self.doc.get("paths", {}):
            regex = "^" + "".join(
                "[^/]+" if part.startswith("{") else re.escape(part)
                for part in re.split(r"(\{[^}/]+\})", template)
            ) + "$"
            literal = len(re.sub(r"\{[^}/]+\}", "", template))
            self.templates.append((literal, re.compile(regex), template))
        self.templates.sort(key=lambda t: -t[0])
        self.exercised = Counter()

    # -- document access ---------------------------------------------------

    def deref(self, obj):
        """Follows a local $ref (possibly chained) to the object it names."""
        seen = 0
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            assert ref.startswith("#/"), f"only local $refs are supported, got {ref}"
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            obj = node
            seen += 1
            assert seen < 32, f"$ref loop at {ref}"
        return obj

    def schema(self, name):
        return self.doc["components"]["schemas"][name]

    def validate(self, instance, schema, what="body"):
        """Validates instance against a schema from the document; raises
        AssertionError listing every violation."""
        validator = Draft202012Validator(schema, resolver=self.resolver)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        if errors:
            lines = [
                f"  at {'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
                for e in errors[:10]
            ]
            raise AssertionError(
                f"{what} does not match the OpenAPI schema:\n" + "\n".join(lines)
                + f"\n{what}: {json.dumps(instance)[:2000]}"
            )

    def match_path(self, path):
        """The documented template matching a concrete path, or None."""
        for _, regex, template in self.templates:
            if regex.match(path):
                return template
        return None

    def declared(self):
        """Every (METHOD, template, status key) the document declares."""
        out = set()
        for template, item in self.doc.get("paths", {}).items():
            for method in METHODS:
                op = item.get(method)
                if op:
                    for status in op.get("responses", {}):
                        out.add((method.upper(), template, str(status)))
        return out

    # -- checking ------------------------------------------------------------

    def check(self, response):
        """Checks a requests.Response against the document."""
        req = response.request
        self.check_parts(req.method, req.path_url, response.status_code, response.headers,
                         response.content)
        return response

    def check_parts(self, method, path, status, headers, body):
        """Checks a response given as parts (for raw-socket tests).

        headers: any mapping; names are matched case-insensitively.
        body: bytes (or str)."""
        method = method.upper()
        path = urlsplit(path).path or "/"
        headers = {k.lower(): v for k, v in dict(headers).items()}
        if isinstance(body, str):
            body = body.encode("utf-8")
        body = body or b""
        where = f"{method} {path} -> {status}"

        template = self.match_path(path)
        if template is None:
            assert status == 404, (
                f"{where}: the path matches no documented path template, so the only "
                f"allowed answer is 404 (undocumented endpoint?)")
            self._check_response(where, self.doc["components"]["responses"]["NotFound"],
                                 status, headers, body)
            self.exercised[("*", ROUTING, "404")] += 1
            return
        item = self.doc["paths"][template]
        op = item.get(method.lower())
        if op is None:
            documented = sorted(m.upper() for m in METHODS if m in item)
            assert status == 405, (
                f"{where}: {method} is not documented for {template} "
                f"(documented: {', '.join(documented)}), so the only allowed answer is 405")
            self._check_response(where, self.doc["components"]["responses"]["MethodNotAllowed"],
                                 status, headers, body)
            allowed = {m.strip().upper() for m in headers.get("allow", "").split(",") if m.strip()}
            missing = set(documented) - allowed
            extra = allowed - set(documented) - {"HEAD", "OPTIONS"}
            assert not missing and not extra, (
                f"{where}: Allow is {headers.get('allow')!r} but the document has "
                f"{', '.join(documented)} for {template}"
                + (f"; served but undocumented: {', '.join(sorted(extra))}" if extra else ""))
            self.exercised[("*", ROUTING, "405")] += 1
            return

        responses = {str(k): v for k, v in op.get("responses", {}).items()}
        key = str(status)
        if key not in responses:
            key = f"{str(status)[0]}XX"
        if key not in responses:
            key = "default"
        assert key in responses, (
            f"{where}: status {status} is not declared for {method} {template} "
            f"(declared: {', '.join(sorted(responses))})")
        self._check_response(where, responses[key], status, headers, body)
        self.exercised[(method, template, key)] += 1

    def _check_response(self, where, declared, status, headers, body):
        declared = self.deref(declared)

        for name, header in (declared.get("headers") or {}).items():
            header = self.deref(header)
            value = headers.get(name.lower())
            if value is None:
                assert not header.get("required"), (
                    f"{where}: required response header {name} is missing "
                    f"(got: {', '.join(sorted(headers))})")
                continue
            schema = header.get("schema")
            if schema is not None:
                instance = value
                if self.deref(schema).get("type") == "integer":
                    assert re.fullmatch(r"-?[0-9]+", value.strip()), (
                        f"{where}: header {name} should be an integer, got {value!r}")
                    instance = int(value)
                self.validate(instance, schema, what=f"header {name}")

        content = declared.get("content")
        if not content:
            assert not body, (
                f"{where}: the document declares no body for this response, "
                f"but got {len(body)} bytes: {body[:200]!r}")
            return
        media, params = _media_type(headers.get("content-type"))
        chosen = None
        for key, spec in content.items():
            want, want_params = _media_type(key)
            if want in ("*/*", media) or (want.endswith("/*") and media.startswith(want[:-1])):
                if all(params.get(k) == v for k, v in want_params.items()):
                    chosen = spec
                    break
        assert chosen is not None, (
            f"{where}: Content-Type {headers.get('content-type')!r} is not declared "
            f"(declared: {', '.join(content)})")
        schema = (chosen or {}).get("schema")
        if _is_json(media):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as e:
                raise AssertionError(f"{where}: JSON body is not UTF-8: {e}") from None
            try:
                instance = json.loads(text, object_pairs_hook=_no_duplicate_keys)
            except ValueError as e:
                raise AssertionError(f"{where}: body is not valid JSON ({e}): {text[:300]!r}") from None
            if schema is not None:
                self.validate(instance, schema, what=f"{where}: body")
            if media == "application/problem+json" and isinstance(instance, dict):
                assert instance.get("status") == status, (
                    f"{where}: problem document says status {instance.get('status')}")
                rid = headers.get("x-request-id")
                if rid is not None and "request_id" in instance:
                    assert instance["request_id"] == rid, (
                        f"{where}: problem request_id {instance['request_id']!r} differs from "
                        f"the X-Request-Id header {rid!r}")

    # -- coverage ------------------------------------------------------------

    def coverage_lines(self, limit=40):
        """A short summary of which declared responses were exercised."""
        declared = self.declared()
        seen = {k for k in self.exercised if k[1] != ROUTING}
        hit = declared & seen
        lines = [f"OpenAPI contract: {len(hit)} of {len(declared)} declared responses exercised"
                 f" ({sum(self.exercised.values())} responses checked)"]
        routing = [f"{s}x{self.exercised[k]}" for k in sorted(self.exercised)
                   if k[1] == ROUTING for s in [k[2]]]
        if routing:
            lines.append("  routing errors checked: " + ", ".join(routing))
        missing = {}
        for method, template, status in sorted(declared - seen):
            missing.setdefault((template, method), []).append(status)
        for i, ((template, method), statuses) in enumerate(sorted(missing.items())):
            if i == limit:
                lines.append(f"  ... and {len(missing) - limit} more operations")
                break
            lines.append(f"  not exercised: {method} {template} {' '.join(statuses)}")
        return lines


_contract = None


def contract():
    """The process-wide checker (loaded on first use)."""
    global _contract
    if _contract is None:
        _contract = Contract()
    return _contract


def check(response):
    """Asserts a requests.Response is allowed by openapi/openapi.yaml; returns it."""
    return contract().check(response)


def check_parts(method, path, status, headers, body):
    """Like check(), for responses read off a raw socket."""
    contract().check_parts(method, path, status, headers, body)


def validate(instance, schema_name):
    """Validates instance against components.schemas[schema_name]."""
    c = contract()
    c.validate(instance, {"$ref": f"#/components/schemas/{schema_name}"}, what=schema_name)
