"""The partner search embed in a real browser: Debian's Chromium driven by Playwright.

Real gunicorn serves the API with a partner keys file written here; partner pages are served by
Python's http.server from other loopback origins (other ports) and load the script from the API
origin, as a partner site would. Nothing is mocked: CORS, keys and rate limits are the API's own.

Origins: PARTNER is in the key's `origins`; OTHER is allowed only for another partner's key (the
preflight passes, the actual request is a 403 without Access-Control-Allow-Origin); STRANGER is
allowed for no key (the preflight itself is refused). Screenshots go to test-artifacts/browser/,
except the safety notice's, which the README shows: tests/browser/screenshots/safety-notice.png.
"""

from __future__ import annotations

import contextlib
import html
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
SCREENSHOTS = Path(__file__).parent / "screenshots"  # committed: the README shows the notice
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
<lp-search data-api="{api}" data-key="{key}" data-guide-url="{origin}/guides/{{slug}}#{{anchor}}"{attrs}></lp-search>
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


def page_url(
    site: tuple[str, dict],
    api: str,
    key: str,
    headers: dict[str, str] | None = None,
    attrs: dict[str, str] | None = None,
) -> str:
    """A new page on the partner site embedding the search with this API and key (and more attributes)."""
    origin, pages = site
    path = f"/embed-{len(pages)}.html"
    extra = "".join(f' {name}="{html.escape(value)}"' for name, value in (attrs or {}).items())
    pages[path] = (PAGE.format(api=api, key=key, origin=origin, attrs=extra).encode(), headers or {})
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


# -- the safety notice, for a frightened person ---------------------------------------------------
SELF_HARM = "i dont want to be here anymore since she left"  # self_harm: Samaritans first under GB
THREATS = "he threatened me"  # threats: under GB, more than three services
SEXUAL_VIOLENCE = "he forced himself on me"  # sexual_violence: under US, RAINN with phone, text and chat


def shadow_focus(page) -> dict[str, str | None]:
    """What has focus inside the element: tag, class, accessible text and href."""
    return page.evaluate(
        """() => { const a = document.querySelector('lp-search').shadowRoot.activeElement;
                   return a && { tag: a.tagName.toLowerCase(), cls: a.className, text: a.textContent,
                                 href: a.getAttribute('href') }; }"""
    )


def test_the_notice_leads_with_the_regions_service_and_its_number_as_a_tel_link(page, api, sites) -> None:
    box = open_embed(page, page_url(sites["partner"], api, KEY, attrs={"data-region": "GB"}))
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "/v1/search" in r.url else None)
    type_query(box, SELF_HARM)
    notice = page.get_by_role("note", name="Safety information")
    notice.wait_for()
    assert searches and all("region=GB" in u for u in searches), searches
    assert "999" in notice.locator(".message").inner_text()
    # the region's emergency number, dialable, then the most fitting service with its phone as tel:
    assert notice.locator("a.emergency").get_attribute("href") == "tel:999"
    first = notice.get_by_role("list", name="Support services").get_by_role("listitem").first
    assert "Samaritans" in first.locator(".name").inner_text()
    call = first.get_by_role("link", name="Call 116 123")
    assert call.get_attribute("href") == "tel:116123"  # digits only
    assert call.get_attribute("aria-describedby") == first.locator(".name").get_attribute("id")
    tels = notice.locator("a[href^='tel:']")
    hrefs = [tels.nth(i).get_attribute("href") for i in range(tels.count())]
    assert hrefs[:2] == ["tel:999", "tel:116123"], hrefs
    assert all(h[4:].lstrip("+").isdigit() for h in hrefs), hrefs


def test_a_service_offers_its_text_and_chat_options(page, api, sites) -> None:
    box = open_embed(page, page_url(sites["partner"], api, KEY, attrs={"data-region": "us"}))  # any case
    type_query(box, SEXUAL_VIOLENCE)
    first = page.locator("lp-search .services > li").first
    first.wait_for()
    assert "RAINN" in first.locator(".name").inner_text()
    assert first.get_by_role("link", name="Call 800.656.HOPE (4673)").get_attribute("href") == "tel:8006564673"
    assert first.locator(".text").inner_text() == "Text HOPE to 64673"  # plain text, not a link
    assert first.locator(".text a").count() == 0
    chat = first.get_by_role("link", name="Chat online")
    assert chat.get_attribute("href") == "https://hotline.rainn.org/"
    assert chat.get_attribute("rel") == "noopener"


def test_at_most_three_services_show_and_more_reveals_the_rest(page, api, sites) -> None:
    box = open_embed(page, page_url(sites["partner"], api, KEY, attrs={"data-region": "GB"}))
    type_query(box, THREATS)
    services = page.locator("lp-search .services > li")
    services.first.wait_for()
    total = services.count()
    assert total > 3, total
    assert page.locator("lp-search .services > li:visible").count() == 3
    assert page.get_by_role("button", name=f"Show {total - 3} more service").count() == 1
    more = page.locator("lp-search button.more")  # the same button, whatever its label says
    assert more.get_attribute("aria-expanded") == "false"
    assert more.get_attribute("aria-controls") == page.locator("lp-search .services").get_attribute("id")

    more.focus()
    more.press("Enter")  # a real button: Enter (and Space) work without a handler of ours
    assert more.get_attribute("aria-expanded") == "true"
    assert page.locator("lp-search .services > li:visible").count() == total
    assert more.inner_text() == "Show fewer services"
    assert shadow_focus(page)["cls"] == "more"  # focus stays on the control
    assert box.get_attribute("aria-expanded") == "true"  # and the popup stays open
    more.press(" ")
    assert more.get_attribute("aria-expanded") == "false"
    assert page.locator("lp-search .services > li:visible").count() == 3


def test_keyboard_and_screen_reader_reach_the_notice_in_order(page, api, sites) -> None:
    exit_to = f"{sites['stranger'][0]}/guides/weather"
    attrs = {"data-region": "GB", "data-quick-exit": exit_to}
    box = open_embed(page, page_url(sites["partner"], api, KEY, attrs=attrs))
    type_query(box, THREATS)
    notice = page.get_by_role("note", name="Safety information")
    notice.wait_for()
    page.locator("lp-search [role=option]").first.wait_for()
    assert page.locator("lp-search [role=status]").inner_text().startswith("Safety information first")

    # What a screen reader is given: roles and accessible names (Chromium's accessibility tree).
    tree = notice.aria_snapshot()
    assert '- list "Support services"' in tree, tree
    assert '- link "Call 0808 2000 247"' in tree, tree
    hidden = notice.locator(".services > li").count() - 3
    assert f'- button "Show {hidden} more service' in tree, tree
    assert page.get_by_role("button", name=f"Show {hidden} more service", expanded=False).count() == 1
    assert page.get_by_role("button", name="Exit this page").is_visible()
    assert page.get_by_role("combobox", name="Search guides").get_attribute("aria-expanded") == "true"

    # Focus order: from the box, Tab walks the notice (service, its number, ..., more, guides);
    # the results stay on the arrow keys (their links are not Tab stops).
    box.focus()
    stops = []
    for _ in range(12):
        page.keyboard.press("Tab")
        f = shadow_focus(page)
        if not f:
            break
        stops.append(f)
    assert stops[0]["href"] == "tel:999", stops  # urgent: the region's emergency number first
    assert "National Domestic Abuse Helpline" in stops[1]["text"], stops  # then the first service
    assert stops[2]["href"] == "tel:08082000247", stops  # and its number
    more = next(i for i, s in enumerate(stops) if s["cls"] == "more")
    assert all(s["tag"] == "a" for s in stops[:more]), stops  # services, then "more", then the guides
    assert stops[more + 1]["href"].startswith(f"{sites['partner'][0]}/guides/"), stops
    assert not any(s["cls"] == "exit" for s in stops), stops  # the quick exit comes before the box

    # Escape from inside the notice: back to the box, popup closed; the arrow key opens it again.
    page.keyboard.press("Escape")
    assert shadow_focus(page)["tag"] == "input"
    assert box.get_attribute("aria-expanded") == "false"
    assert not notice.is_visible()
    box.press("ArrowDown")
    assert box.get_attribute("aria-expanded") == "true" and notice.is_visible()
    box.press("Escape")

    # Shift+Tab from the box reaches the quick exit.
    box.press("Shift+Tab")
    assert shadow_focus(page)["cls"] == "exit"


def test_quick_exit_leaves_at_once_and_back_does_not_return(page, api, sites) -> None:
    start = f"{sites['partner'][0]}/guides/start"
    exit_to = f"{sites['stranger'][0]}/guides/weather"
    page.goto(start)
    url = page_url(sites["partner"], api, KEY, attrs={"data-region": "GB", "data-quick-exit": exit_to})
    box = open_embed(page, url)
    before = page.evaluate("history.length")
    type_query(box, THREATS)
    page.get_by_role("note", name="Safety information").wait_for()
    box.press("Shift+Tab")  # by keyboard, as someone who must leave now
    page.keyboard.press("Enter")
    page.wait_for_url(exit_to)
    assert page.evaluate("history.length") == before  # replaced, not pushed
    page.go_back()
    assert page.url == start  # Back skips the page with the search on it
    page.go_forward()
    assert page.url == exit_to


def test_quick_exit_accepts_only_http_addresses(page, console, api, sites) -> None:
    open_embed(page, page_url(sites["partner"], api, KEY, attrs={"data-quick-exit": "javascript:alert(1)"}))
    assert page.locator("lp-search button.exit").count() == 0
    assert any("data-quick-exit must be an http(s) address" in m for m in console), console


def test_a_region_the_api_does_not_know_still_shows_the_notice(page, console, api, sites) -> None:
    box = open_embed(page, page_url(sites["partner"], api, KEY, attrs={"data-region": "ZZ"}))
    type_query(box, SELF_HARM)
    notice = page.get_by_role("note", name="Safety information")
    notice.wait_for()  # the 422 is retried without the region
    assert notice.locator(".services > li").count() >= 1
    assert any("does not know data-region ZZ" in m for m in console), console


def test_screenshot_of_the_notice(page, api, sites) -> None:
    """The picture in the README: the notice as a reader in the UK sees it, with the quick exit."""
    attrs = {"data-region": "GB", "data-quick-exit": "https://www.bbc.co.uk/weather"}
    page.set_viewport_size({"width": 640, "height": 760})
    box = open_embed(page, page_url(sites["partner"], api, KEY, attrs=attrs))
    type_query(box, THREATS)
    page.locator("lp-search [role=option]").first.wait_for()
    page.wait_for_timeout(100)  # let the popup settle after the last render
    box_top = page.locator("lp-search .bar").bounding_box()
    notice = page.locator("lp-search .safety").bounding_box()
    assert box_top and notice
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    clip = {"x": 16, "y": max(0, box_top["y"] - 8), "width": 608}
    clip["height"] = min(notice["y"] + notice["height"] + 8, 760) - clip["y"]
    page.screenshot(path=str(SCREENSHOTS / "safety-notice.png"), clip=clip)
    assert (SCREENSHOTS / "safety-notice.png").stat().st_size < 200_000
