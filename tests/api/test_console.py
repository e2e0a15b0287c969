"""The web console's files at /app/ (README "Web console"): each with its
media type, a strong ETag and the console's security headers, 404s too.
The pages themselves are tested in a browser (tests/browser/)."""

import re

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def secured(r):
    assert r.headers["Content-Security-Policy"] == CSP
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    return r


def test_the_page_loads_its_modules_and_style_sheet_from_app(loopd):
    r = secured(loopd.api().get("/app/"))
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8"
    page = r.text
    assert '<script type="module" src="app.js">' in page and 'href="app.css"' in page
    assert "<style" not in page and " style=" not in page and "onclick" not in page
    for name, media in [("app.js", "text/javascript"), ("app.css", "text/css"),
                        ("index.html", "text/html")]:
        f = secured(loopd.api().get(f"/app/{name}"))
        assert f.status_code == 200 and f.headers["Content-Type"] == f"{media}; charset=utf-8"


def test_files_revalidate_with_a_strong_etag(loopd):
    r = loopd.api().get("/app/auth.js")
    etag = r.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag) and r.headers["Cache-Control"] == "no-cache"
    again = secured(loopd.api().get("/app/auth.js", headers={"If-None-Match": etag}))
    assert again.status_code == 304 and again.content == b""
    other = loopd.api().get("/app/api.js", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag


def test_unknown_console_paths_are_refused_with_the_policy(loopd):
    for path, status in [("/app/nope.js", 404), ("/app/app.txt", 404), ("/app/.hidden.js", 404),
                         ("/app/a/b.js", 404), ("/app/..%2fopenapi%2fopenapi.yaml", 400)]:
        r = secured(loopd.api().get(path, check=status == 404))
        assert r.status_code == status, path
        assert r.headers["Content-Type"].startswith("application/problem+json"), path
