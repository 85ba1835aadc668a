"""The partner search embed in a real browser: Debian's Chromium driven by Playwright.

Real gunicorn serves the API with a partner keys file written here; partner pages are served by
Python's http.server from other loopback origins (other ports) and load the script from the API
origin, as a partner site would. Nothing is mocked: CORS, keys and rate limits are the API's own.

Origins: PARTNER is in the key's `origins`; OTHER is allowed only for another partner's key (the
preflight passes, the actual request is a 403 without Access-Control-Allow-Origin); STRANGER is
allowed for no key (the preflight itself is refused). Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import shutil
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright import sync_api

from api.content import Corpus
from api.partner_keys import hash_key
from tests.e2e.server import ROOT, gunicorn

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
KEY = "browser-test-partner-key-000001"  # allows the PARTNER origin only
OTHER_KEY = "browser-test-other-key-0000002"  # another partner's key: allows the OTHER origin
TINY_KEY = "browser-test-tiny-limit-key-003"  # PARTNER origin, one search a minute
TIMEOUT_MS = 15_000

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is not installed (.ci/run installs the Debian package)", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)


# -- partner pages ----------------------------------------------------------------------------
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner page</title>
<style>body {{ font-family: system-ui, sans-serif; margin: 2rem; }}</style>
<script src="{api}/v1/embed/lp-search.js" defer></script></head>
<body><h1>Acme Health: relationship support</h1>
<lp-search data-api="{api}" data-key="{key}" data-guide-url="{origin}/guides/{{slug}}#{{anchor}}"></lp-search>
</body></html>
"""


class _Partner(http.server.BaseHTTPRequestHandler):
    """`/?api=…&key=…` is the page embedding the search; `/guides/…` stands for the partner's guide pages."""

    pages: dict[str, tuple[bytes, dict[str, str]]] = {}  # path -> (HTML, headers), set per server below

    def do_GET(self) -> None:  # http.server's naming
        body, headers = self.pages.get(self.path) or (None, {})
        if body is None and self.path.startswith("/guides/"):
            body = b"<h1>guide page</h1>"
        self.send_response(200 if body else 404)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *_args: object) -> None:
        pass


@contextlib.contextmanager
def partner_site() -> Iterator[tuple[str, dict]]:
    """A static site on a loopback port of its own; yields its origin and the dict of its pages to fill in."""
    pages: dict[str, tuple[bytes, dict[str, str]]] = {}
    handler = type("Handler", (_Partner,), {"pages": pages})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)  # bound here: the port is its own
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", pages
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def page_url(site: tuple[str, dict], api: str, key: str, headers: dict[str, str] | None = None) -> str:
    """A new page on the partner site embedding the search with this API and key."""
    origin, pages = site
    path = f"/embed-{len(pages)}.html"
    pages[path] = (PAGE.format(api=api, key=key, origin=origin).encode(), headers or {})
    return origin + path


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sites() -> Iterator[dict[str, tuple[str, dict]]]:
    with contextlib.ExitStack() as stack:
        yield {name: stack.enter_context(partner_site()) for name in ("partner", "other", "stranger")}


@pytest.fixture(scope="module")
def ports(sites: dict[str, tuple[str, dict]]) -> dict[str, int]:
    return {name: int(origin.rsplit(":", 1)[1]) for name, (origin, _) in sites.items()}


@pytest.fixture(scope="module")
def api_env(tmp_path_factory: pytest.TempPathFactory, ports: dict[str, int], corpus: Corpus) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("browser")
    partner, other = (f"http://127.0.0.1:{ports[k]}" for k in ("partner", "other"))
    keys = {
        "anonymous": {"allowed": False},
        "keys": [
            {
                "name": "partner",
                "sha256": hash_key(KEY),
                "collections": "all",
                "origins": [partner],
                "limit": "1000/minute",
            },
            {
                "name": "other-partner",
                "sha256": hash_key(OTHER_KEY),
                "collections": "all",
                "origins": [other],
                "limit": "1000/minute",
            },
            {
                "name": "tiny",
                "sha256": hash_key(TINY_KEY),
                "collections": "all",
                "origins": [partner],
                "limit": "1/minute",
            },
        ],
    }
    (tmp / "keys.yaml").write_text(yaml.safe_dump(keys), encoding="utf-8")
    return {
        "LP_PARTNER_KEYS_FILE": str(tmp / "keys.yaml"),
    }


@pytest.fixture(scope="module")
def api(api_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # One worker: rate-limit counters are per worker with the default memory:// storage, and the
    # rate-limit test needs its two searches counted together.
    with gunicorn(workers=1, env=api_env, log=tmp_path_factory.mktemp("browser-log") / "gunicorn.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser_context():
    """Chromium from Debian with a fresh profile (Playwright downloads no browser here)."""
    profile = tempfile.mkdtemp(prefix="lp-chromium-")
    try:
        with sync_api.sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 900, "height": 700},
            )
            context.set_default_timeout(TIMEOUT_MS)
            yield context
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture()
def page(browser_context, request: pytest.FixtureRequest):
    p = browser_context.new_page()
    yield p
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    p.close()


@pytest.fixture()
def console(page) -> list[str]:
    """What the page logs to its console (Chromium reports CORS refusals there)."""
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    return messages


def open_embed(page, url: str):
    """Load the partner page, wait for the element, and return the combobox input."""
    page.goto(url)
    page.wait_for_function("customElements.get('lp-search') !== undefined")
    box = page.locator("lp-search input[role=combobox]")
    box.wait_for()
    return box


def type_query(box, text: str) -> None:
    box.click()
    box.press_sequentially(text, delay=30)  # like a person typing: the debounce sends one search


# -- tests ------------------------------------------------------------------------------------
def test_misspelled_query_finds_the_guide_highlighted_and_the_keyboard_follows_it(page, api, sites) -> None:
    box = open_embed(page, page_url(sites["partner"], api, KEY))
    assert box.get_attribute("aria-expanded") == "false"
    listbox_id = box.get_attribute("aria-controls")
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "/v1/search" in r.url else None)

    type_query(box, "boundries without guilt")
    options = page.locator(f"lp-search #{listbox_id} [role=option]")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert len(searches) <= 3, searches  # debounced: not one search per keystroke
    first = options.first
    assert "How to Set Boundaries Without Feeling Guilty" in first.inner_text()
    assert first.locator("mark").count() >= 1  # the server's highlight, rendered as <mark>
    assert first.locator("a").get_attribute("href") == (
        f"{sites['partner'][0]}/guides/how-to-set-boundaries-without-guilt"
    )
    live = page.locator("lp-search [role=status]")
    assert "result" in live.inner_text()

    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    box.press("ArrowDown")
    second = options.nth(1)
    assert box.get_attribute("aria-activedescendant") == second.get_attribute("id")
    assert first.get_attribute("aria-selected") == "false"
    box.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    page.screenshot(path=str(ARTIFACTS / "misspelled-query-results.png"))

    box.press("Escape")  # closes the popup, keeps the text
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None
    box.press("ArrowDown")  # reopens on the first option
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")

    box.press("Enter")
    page.wait_for_url(f"{sites['partner'][0]}/guides/how-to-set-boundaries-without-guilt")


def test_a_section_hit_links_to_its_anchor_on_the_partner_site(page, api, sites) -> None:
    box = open_embed(page, page_url(sites["partner"], api, KEY))
    type_query(box, "nostalgia editng")
    hrefs = page.locator("lp-search [role=option] a")
    hrefs.first.wait_for()
    links = [hrefs.nth(i).get_attribute("href") for i in range(hrefs.count())]
    assert any(h.startswith(f"{sites['partner'][0]}/guides/why-do-i-miss-my-ex") for h in links), links
    assert any("#" in h for h in links), links  # sections keep their anchor
    assert page.locator("lp-search [role=option] mark").count() >= 1


def test_a_danger_query_shows_the_safety_notice_before_the_results(page, api, sites) -> None:
    box = open_embed(page, page_url(sites["partner"], api, KEY))
    type_query(box, "he threatened me")
    notice = page.locator("lp-search .safety")
    notice.wait_for()
    assert "danger" in notice.inner_text()
    resources = notice.locator("a[href^='https://']")
    assert resources.count() >= 1
    # the safety guides link to the partner's own guide pages
    assert notice.locator(f"a[href^='{sites['partner'][0]}/guides/']").count() >= 1
    options = page.locator("lp-search [role=option]")
    options.first.wait_for()
    # The notice comes first in the popup, in document order and on screen.
    order = page.evaluate(
        """() => { const root = document.querySelector('lp-search').shadowRoot;
                   const [n, o] = [root.querySelector('.safety'), root.querySelector('[role=option]')];
                   return [!!(n.compareDocumentPosition(o) & Node.DOCUMENT_POSITION_FOLLOWING),
                           n.getBoundingClientRect().bottom <= o.getBoundingClientRect().top]; }"""
    )
    assert order == [True, True]
    assert page.locator("lp-search [role=status]").inner_text().startswith("Safety information first")


@pytest.mark.parametrize("site", ["other", "stranger"])
def test_a_page_from_an_origin_the_key_does_not_allow_is_refused_and_shows_the_fallback(
    page, console, api, sites, site: str
) -> None:
    origin = sites[site][0]
    # What the browser meets: OTHER passes the preflight (another key allows it) and the request
    # itself is a 403 without Access-Control-Allow-Origin; STRANGER's preflight is a 403 already.
    preflight = _status(
        f"{api}/v1/search?q=x",
        method="OPTIONS",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-api-key",
        },
    )
    actual = _status(f"{api}/v1/search?q=x", headers={"Origin": origin, "X-API-Key": KEY})
    assert preflight[0] == (204 if site == "other" else 403)
    assert actual[0] == 403 and "Access-Control-Allow-Origin" not in actual[1]

    box = open_embed(page, page_url(sites[site], api, KEY))  # the script itself loads from any origin
    type_query(box, "boundries without guilt")
    message = page.locator("lp-search .msg")
    message.wait_for()
    assert message.inner_text() == "Search is not available right now."
    assert page.locator("lp-search [role=option]").count() == 0
    assert box.get_attribute("aria-expanded") == "false"
    blocked = [m for m in console if "blocked by CORS policy" in m]
    assert blocked, console
    if site == "other":
        assert "No 'Access-Control-Allow-Origin' header is present" in blocked[0], blocked
    else:
        assert "preflight" in blocked[0], blocked


def _status(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=headers or {}), timeout=5) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


def test_works_under_a_strict_content_security_policy(page, console, api, sites) -> None:
    """The partner allows only the API for scripts and fetches, and no inline styles at all."""
    csp = f"default-src 'none'; script-src {api}; connect-src {api}; style-src 'self'"
    box = open_embed(page, page_url(sites["partner"], api, KEY, {"Content-Security-Policy": csp}))
    type_query(box, "no contact")
    mark = page.locator("lp-search [role=option] mark").first
    mark.wait_for()
    # the element's own stylesheet applies (a constructed sheet, which style-src does not block)
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(255, 229, 138)"
    assert page.locator("lp-search .panel").evaluate("p => getComputedStyle(p).position") == "absolute"
    # and the policy was in force: the page's own inline <style> (body margin 2rem) was refused
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "8px"
    assert any("Content Security Policy" in m for m in console), console


def test_rate_limited_key_shows_when_to_try_again(page, api, sites) -> None:
    box = open_embed(page, page_url(sites["partner"], api, TINY_KEY))
    box.fill("no contact")  # one input event, so exactly one search: the one of this minute
    page.locator("lp-search [role=option]").first.wait_for()
    box.fill("boundaries")
    message = page.locator("lp-search .msg")
    message.wait_for()
    assert message.inner_text().startswith("Too many searches right now. Please try again in ")
    assert "seconds" in message.inner_text()  # Retry-After is exposed to the page


def test_api_stopped_shows_the_fallback(page, api_env, sites) -> None:
    with gunicorn(workers=1, env=api_env) as short_lived:
        box = open_embed(page, page_url(sites["partner"], short_lived, KEY))
    type_query(box, "no contact")  # the script is loaded; the API is gone
    message = page.locator("lp-search .msg")
    message.wait_for()
    assert message.inner_text() == "Search is not available right now."
