"""The rendered book as a reader meets it: every page in a real browser, offline.

The book is rendered from the committed notebooks into a temporary folder
and served from 127.0.0.1. Headless Chromium (Debian's ``chromium``, driven
by Playwright from PyPI; no browser is downloaded) loads every page with all
requests to other hosts blocked, so a page that needs the network fails.
For each page the test asserts: no console error, no failed request, every
image loaded (``naturalWidth > 0``) with alt text, and no table wider than
its container. It checks every internal link and anchor against the
rendered files, that the search page finds the Approval chapter, that the
book also works opened as files, and it saves screenshots of the index and
Models pages under ``_build/screenshots/``.

The rendered tables are also scanned for what a reader should not see:
negative zeros, whole numbers with decimals, raw variable names where the
codebook has a label.

Without Chromium the browser tests are skipped with the install hint,
unless ``SCSREPRO_REQUIRE_BROWSER`` is set (``.ci/run`` sets it after
installing Chromium), in which case they fail.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
from playwright.sync_api import sync_playwright

from scsrepro.book import build, staleness
from scsrepro.data.codebook import load_codebook
from scsrepro.data.paths import ROOT

SCREENSHOTS = ROOT / "_build" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The book rendered from the committed notebooks."""
    html = tmp_path_factory.mktemp("book") / "html"
    notebooks = {c.name: c.notebook for c in staleness.discover(ROOT)}
    build.render(ROOT, notebooks, html, force=True, log=lambda *a: None)
    return html


def pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


# --------------------------------------------------------------------------- HTML parsing


class _Collector(HTMLParser):
    """Ids, links and table cells of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.cells: list[str] = []
        self._cell: list[str] | None = None
        self._tables = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "table":
            self._tables += 1
        if tag in ("td", "th") and self._tables:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._tables -= 1
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@functools.cache
def parsed(path: Path) -> _Collector:
    c = _Collector()
    c.feed(path.read_text(encoding="utf-8"))
    return c


def test_every_chapter_has_a_page_without_a_traceback(site):
    """The real book renders with Sphinx warnings as errors (the fixture) and shows no traceback."""
    for chapter in staleness.discover(ROOT):
        page = site / "chapters" / f"{chapter.name}.html"
        assert page.is_file(), chapter.name
        assert "Traceback" not in page.read_text(encoding="utf-8"), chapter.name


def test_every_internal_link_and_anchor_resolves(site):
    broken = []
    for page in pages(site):
        for href in parsed(page).links:
            url = urlparse(href)
            if url.scheme or url.netloc or href.startswith("mailto:"):
                continue  # another site: not part of the offline book
            path, fragment = urldefrag(href)
            target = (page.parent / unquote(path)).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {href} (no such file)")
            elif fragment and target.suffix == ".html" and unquote(fragment) not in parsed(target).ids:
                broken.append(f"{page.relative_to(site)}: {href} (no such anchor)")
    assert not broken, "\n".join(broken[:40])


#: What a reader should not see in a table cell.
NEGATIVE_ZERO = re.compile(r"^[−-]0(\.0+)?\s*%?$")
WHOLE_WITH_DECIMALS = re.compile(r"^-?\d{1,3}(,\d{3})+\.0+$|^-?\d+\.0{4,}$")


def test_tables_show_no_negative_zero_no_decimal_integers_and_no_raw_variable_names(site):
    cb = load_codebook()
    labelled = {n for n in cb.names if cb[n].label}
    found = []
    for page in pages(site):
        for cell in parsed(page).cells:
            if NEGATIVE_ZERO.match(cell):
                found.append(f"{page.name}: negative zero {cell!r}")
            elif WHOLE_WITH_DECIMALS.match(cell):
                found.append(f"{page.name}: whole number with decimals {cell!r}")
            elif cell in labelled:
                found.append(f"{page.name}: raw variable name {cell!r}")
    assert not found, "\n".join(sorted(set(found))[:60])


def test_the_scan_finds_what_it_looks_for():
    assert NEGATIVE_ZERO.match("-0.00") and NEGATIVE_ZERO.match("-0") and not NEGATIVE_ZERO.match("-0.01")
    assert WHOLE_WITH_DECIMALS.match("2,209.000") and WHOLE_WITH_DECIMALS.match("1.000000")
    assert not WHOLE_WITH_DECIMALS.match("0.123") and not WHOLE_WITH_DECIMALS.match("1.000")


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser():
    path = chromium()
    if path is None:
        message = "Chromium is not installed (Debian: apt install chromium)"
        if os.environ.get("SCSREPRO_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    # keep-alive: the browser reuses a few connections instead of opening one
    # per file (each new connection takes an ephemeral port, the range
    # jupyter_client picks kernel ports from)
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass


def visit_all(browser, urls: list[str], screenshots: dict[str, Path] | None = None) -> dict[str, dict]:
    """Load every URL in its own tab, with other hosts blocked; what went wrong, image and table facts, by URL.

    All tabs are opened first and then waited for until the network is idle,
    so the waits overlap.
    """
    context = browser.new_context(viewport=VIEWPORT)
    tabs = {}
    for url in urls:
        page = context.new_page()
        problems: dict[str, list] = {"console": [], "failed": [], "blocked": []}

        def route(r, problems=problems):
            target = urlparse(r.request.url)
            if target.scheme in ("file", "data", "blob", "about") or target.hostname == "127.0.0.1":
                r.continue_()
            else:
                problems["blocked"].append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m, p=problems: p["console"].append(m.text) if m.type == "error" else None)
        page.on("requestfailed", lambda r, p=problems: p["failed"].append(f"{r.url} ({r.failure})"))
        page.on(
            "response", lambda r, p=problems: p["failed"].append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None
        )
        page.goto(url, wait_until="load")
        tabs[url] = (page, problems)
    out = {}
    for url, (page, problems) in tabs.items():
        page.wait_for_load_state("networkidle")
        images = page.evaluate(
            "Array.from(document.images).map(i => ({src: i.getAttribute('src'), w: i.naturalWidth, alt: i.alt}))"
        )
        tables = page.evaluate(
            """Array.from(document.querySelectorAll('main table, article table')).map(t => {
                 const box = t.parentElement;
                 return {id: t.id, width: t.getBoundingClientRect().width, room: box.getBoundingClientRect().width};
               })"""
        )
        shot = (screenshots or {}).get(url)
        if shot is not None:
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.bring_to_front()
            page.screenshot(path=str(shot), full_page=False)
        out[url] = {**problems, "images": images, "tables": tables}
    context.close()
    return out


def test_every_page_loads_offline_without_errors(browser, server, site):
    urls = {f"{server}/{page.relative_to(site).as_posix()}": page for page in pages(site)}
    shots = {f"{server}/{rel}": SCREENSHOTS / (Path(rel).stem + ".png") for rel in ("index.html", "chapters/models.html")}
    report = {}
    for url, r in visit_all(browser, list(urls), shots).items():
        bad_images = [i for i in r["images"] if i["w"] == 0 or not (i["alt"] or "").strip()]
        wide = [t for t in r["tables"] if t["width"] > t["room"] + 1]
        issues = {k: v for k, v in {**r, "images": bad_images, "tables": wide}.items() if v}
        if issues:
            report[url.removeprefix(server)] = issues
    assert len(urls) >= 12
    assert not report, "\n".join(f"{k}: {v}" for k, v in report.items())
    assert all(p.is_file() for p in shots.values())


def test_the_book_works_opened_as_files(browser, site):
    urls = [(site / rel).as_uri() for rel in ("index.html", "chapters/models.html")]
    for url, r in visit_all(browser, urls).items():
        assert not (r["console"] or r["failed"] or r["blocked"]), (url, r)


def test_searching_approval_lists_the_approval_chapter(browser, server):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{server}/search.html?q=approval", wait_until="load")
    page.wait_for_selector("#search-results li a", timeout=20000)
    hrefs = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.getAttribute('href'))")
    context.close()
    assert any("chapters/bivariate.html" in h for h in hrefs), hrefs
