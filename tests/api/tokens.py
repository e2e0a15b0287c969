"""Taking access tokens apart and signing look-alikes (the `forge` fixture
is a Forge of a real admin token). Re-exported by helpers.py.

  b64u, unb64u, compact   base64url and compact JSON as JWTs use them
  jwt_sign(header, payload, secret)   an HS256-style compact JWS
  jwt_parts(token)        (header, payload) of a compact JWS
  Forge                   a real token and its key: .sign(**claims),
                          .with_header(**fields); DROP removes a claim
  NOW()                   the current time as a NumericDate
"""

import base64
import hashlib
import hmac
import json
import time

def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def jwt_sign(header, payload, secret, alg=hashlib.sha256):
    """A compact JWS of header and payload (dicts, or bytes used as they are)
    with an HMAC signature under secret."""
    h = b64u(header if isinstance(header, bytes) else compact(header))
    p = b64u(payload if isinstance(payload, bytes) else compact(payload))
    sig = hmac.new(secret, f"{h}.{p}".encode(), alg).digest()
    return f"{h}.{p}.{b64u(sig)}"


def jwt_parts(token):
    h, p, _ = token.split(".")
    return json.loads(unb64u(h)), json.loads(unb64u(p))


class Forge:
    """A real admin token taken apart, and the key to sign look-alikes."""

    def __init__(self, token, kid, secret):
        self.token = token
        self.header, self.payload = jwt_parts(token)
        self.kid = kid
        self.secret = secret
        assert self.header["kid"] == kid, "the token is not signed by the current key"

    def sign(self, header=None, payload=None, secret=None, **claims):
        h = dict(self.header) if header is None else header
        p = dict(self.payload) if payload is None else payload
        for k, v in claims.items():
            if v is DROP:
                p.pop(k, None)
            else:
                p[k] = v
        return jwt_sign(h, p, secret or self.secret)

    def with_header(self, **fields):
        h = dict(self.header)
        h.update(fields)
        return self.sign(header=h)


DROP = object()
NOW = lambda: int(time.time())  # noqa: E731
