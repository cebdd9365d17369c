"""Browser check of the built HTML (run after `jupyter-book build`; `make browser`).

Headless Debian Chromium, driven by Playwright (never `playwright install`), opens every page of the book over a
local HTTP server and asserts what a reader would notice: a title, rendered math with no raw `$$`, every image
loaded, no console errors, and a Colab link that opens this page's own notebook. Screenshots land in
_build/screenshots/ for a human look.
"""
from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
# Console messages that are not the book's fault (offline sandbox, headless browser).
# Console messages that are known bugs of the theme stack, not of the book:
# sphinx-book-theme and sphinx-thebe both declare THEBE_JS_URL; pydata-sphinx-theme complains about an empty
# stored theme mode in a fresh browser profile.
ALLOWED_CONSOLE = [r"Identifier 'THEBE_JS_URL' has already been declared", r"Got invalid theme mode: \. Resetting to auto"]


def toc_pages() -> list[str]:
    """Every page of _toc.yml, in reading order, as paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [entry["file"] for entry in part["chapters"]]
    return pages


def source_of(page: str) -> Path:
    for suffix in (".ipynb", ".md"):
        if (ROOT / (page + suffix)).exists():
            return ROOT / (page + suffix)
    raise FileNotFoundError(page)


def has_math(page: str) -> bool:
    """Whether the page's markdown (not its code) contains $...$ or $$ math."""
    text = source_of(page).read_text(encoding="utf-8")
    if source_of(page).suffix == ".ipynb":
        import json

        cells = json.loads(text)["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return re.search(r"\$[^$\n]+\$", text) is not None


def repository() -> tuple[str, str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"].rstrip("/")
    return url.removeprefix("https://github.com/"), config["repository"].get("branch", "main")


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").exists():
        pytest.fail("no built HTML in _build/html: run `make book` first")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install the Debian package (sudo apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.mark.parametrize("page_path", toc_pages())
def test_page(page_path: str, server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{server}/{page_path}.html", wait_until="load")
    page.wait_for_function("() => !window.MathJax || !window.MathJax.startup || window.MathJax.startup.promise", timeout=15000)
    page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)", timeout=15000)

    title = page.title()
    h1 = page.locator("main h1").first.inner_text().strip().rstrip("#").strip()
    assert h1 and h1 in title, f"page title {title!r} does not carry its heading {h1!r}"

    body = page.locator("main").inner_text()
    assert "$$" not in body, "raw $$ in the rendered text: display math not on its own lines?"
    if has_math(page_path):
        assert page.locator("mjx-container").count() > 0, "the page has math but MathJax rendered none"

    broken = page.evaluate("() => Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.src)")
    assert not broken, f"images that did not load: {broken}"

    if source_of(page_path).suffix == ".ipynb":
        repo, branch = repository()
        links = page.eval_on_selector_all("a[href*='colab.research.google.com']", "els => els.map(e => e.href)")
        expected = f"https://colab.research.google.com/github/{repo}/blob/{branch}/{page_path}.ipynb"
        assert expected in links, f"no Colab link to {expected}; found {links}"

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / (page_path.replace("/", "_") + ".png")), full_page=True)
    real = [e for e in errors if not any(re.search(p, e) for p in ALLOWED_CONSOLE)]
    assert not real, f"console errors: {real}"
    page.close()
