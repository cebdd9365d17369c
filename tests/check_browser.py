"""Browser check of the built HTML (run after `jupyter-book build`; `make browser`).

Headless Debian Chromium, driven by Playwright (never `playwright install`), opens every page of the book over a
local HTTP server and asserts what a reader would notice: a title, rendered math with no raw `$$`, every image
loaded, no console errors, and a Colab link that opens this page's own notebook. As a reader on a desktop (1280 px)
and on a phone (420 px): the menu button opens and closes the navigation, exercises are numbered per chapter
(2.1, 2.2), glued numbers are not bold, no cell output line is clipped, and no math or other content runs off the
page. Screenshots land in _build/screenshots/ (PAGE.png at 1280 px, PAGE-420.png at 420 px, nav-*.png with the
navigation opened) for a human look.

The Chinese edition (under zh/, issue 17) gets the same checks, plus: a CJK font renders its characters (no tofu
boxes), every glued number of the English page is on its Chinese twin, and each page links to its twin in the
other edition (screenshots zh_PAGE.png and zh_PAGE-420.png).
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
DESKTOP, PHONE = 1280, 420
ZH = "zh/"  # the Chinese edition's folder (locale/zh_CN/book.yml, output)
# Console messages that are known bugs of the theme stack, not of the book, and that no configuration removes:
# - THEBE_JS_URL declared twice: sphinx-thebe adds its inline config script after the builder started, and Sphinx 7.4
#   (the last Sphinx that Jupyter Book 1 runs on) then registers it twice, once as filename None and once as '', so
#   its de-duplication misses it (sphinx/builders/html/__init__.py, prepare_writing). Harmless: thebe is not used.
# - pydata-sphinx-theme complains about an empty stored theme mode in a fresh browser profile.
ALLOWED_CONSOLE = [r"Identifier 'THEBE_JS_URL' has already been declared", r"Got invalid theme mode: \. Resetting to auto"]


def edition_pages() -> list[str]:
    """Every page of both editions: the English pages, then the same pages under zh/."""
    return toc_pages() + [ZH + page for page in toc_pages()]


def toc_pages() -> list[str]:
    """Every page of _toc.yml, in reading order, as paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [entry["file"] for entry in part["chapters"]]
    return pages


def source_of(page: str) -> Path:
    page = page.removeprefix(ZH)
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
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:  # no line per request in the test output
            pass

    handler = functools.partial(Quiet, directory=str(HTML))
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


def chapter_number(page: str) -> int | None:
    """The number a chapter's exercises carry (chapters/02_x -> 2); None for unnumbered pages (the root)."""
    page = page.removeprefix(ZH)
    match = re.match(r"chapters/(\d+)_", page)
    if not match or page == toc_pages()[0]:
        return None
    return int(match.group(1))


def open_page(browser, server: str, page_path: str, width: int):
    """Load a page the way a reader sees it: math typeset, images loaded. Returns (page, console errors)."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{server}/{page_path}.html", wait_until="load")
    page.wait_for_function("() => !window.MathJax || !window.MathJax.startup || window.MathJax.startup.promise", timeout=15000)
    page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)", timeout=15000)
    return page, errors


def open_solutions(page) -> None:
    """Click every collapsed solution open, as a reader checking an answer would."""
    for button in page.locator("div.solution button.toggle-button").all():
        if button.is_visible():
            button.click()
    page.wait_for_timeout(300)


def assert_no_console_errors(errors: list[str]) -> None:
    real = [e for e in errors if not any(re.search(p, e) for p in ALLOWED_CONSOLE)]
    assert not real, f"console errors: {real}"


# Cell outputs (and code) whose lines are wider than their box: the reader sees a cut line or a scroll bar.
CLIPPED_OUTPUT_JS = """() => Array.from(document.querySelectorAll('main div.cell_output pre'))
    .filter(p => !p.closest('div.highlight'))  // code shown from the library scrolls instead (SOURCE_SCROLLS_JS)
    .filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => p.textContent.split('\\n').reduce((a, b) => b.length > a.length ? b : a, '').slice(0, 100))"""

# Library code shown in an output keeps its indentation: unwrapped lines that scroll sideways, never wrapped.
SOURCE_SCROLLS_JS = """() => Array.from(document.querySelectorAll('main div.cell_output div.highlight pre'))
    .filter(p => { const s = getComputedStyle(p); return s.whiteSpace !== 'pre' || !['auto', 'scroll'].includes(s.overflowX); })
    .map(p => p.textContent.slice(0, 80))"""

# Math (display or inline) that reaches past the right edge of the text column, or scrolls inside its box.
MATH_OFF_PAGE_JS = """() => {
    const column = document.querySelector('main .bd-article') || document.querySelector('main');
    const right = column.getBoundingClientRect().right + 1;
    const bad = [];
    for (const m of column.querySelectorAll('mjx-container')) {  // the article, not the contents sidebar
        const box = m.getBoundingClientRect();
        if (box.width === 0) continue;  // inside something collapsed
        let scrolls = false;  // inside a box that scrolls sideways (a wide table with its hint): reachable
        for (let e = m.parentElement; e && e !== column; e = e.parentElement) {
            if (['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth) {
                scrolls = true;
                break;
            }
        }
        if (scrolls) continue;
        const content = m.querySelector('mjx-math') || m;
        const edge = Math.max(box.right, content.getBoundingClientRect().right);
        if (edge > right) {
            const tex = (m.querySelector('mjx-assistive-mml') || m).textContent.replace(/\\s+/g, ' ');
            bad.push((m.getAttribute('display') === 'true' ? 'display: ' : 'inline: ') + tex.slice(0, 80));
        }
    }
    return bad;
}"""

# Glued numbers must read like the text around them (myst-nb's CSS bolds them).
BOLD_GLUE_JS = """() => Array.from(document.querySelectorAll('main span.pasted-text'))
    .filter(s => getComputedStyle(s).fontWeight !== getComputedStyle(s.parentElement).fontWeight)
    .map(s => s.textContent)"""


@pytest.mark.parametrize("page_path", edition_pages())
def test_page(page_path: str, server: str, browser) -> None:
    page, errors = open_page(browser, server, page_path, DESKTOP)

    title = page.title()
    h1 = page.locator("main h1").first.inner_text().strip().rstrip("#").strip()
    assert h1 and h1.split(". ", 1)[-1] in title, f"page title {title!r} does not carry its heading {h1!r}"

    body = page.locator("main").inner_text()
    assert "$$" not in body, "raw $$ in the rendered text: display math not on its own lines?"
    if has_math(page_path):
        assert page.locator("mjx-container").count() > 0, "the page has math but MathJax rendered none"

    broken = page.evaluate("() => Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.src)")
    assert not broken, f"images that did not load: {broken}"

    if source_of(page_path).suffix == ".ipynb":
        repo, branch = repository()
        links = page.eval_on_selector_all("a[href*='colab.research.google.com']", "els => els.map(e => e.href)")
        expected = f"https://colab.research.google.com/github/{repo}/blob/{branch}/{page_path.removeprefix(ZH)}.ipynb"
        assert expected in links, f"no Colab link to {expected}; found {links}"

    # Exercises are numbered per chapter, the way a reader cites them: 2.1, 2.2, ... (1, 2, ... on the root page).
    titles = page.eval_on_selector_all("main div.exercise > p.admonition-title",
                                       "els => els.map(e => e.textContent.trim())")
    numbers = [re.match(r"(?:Exercise|练习) ([\d.]+)", t).group(1) if re.match(r"(?:Exercise|练习) ([\d.]+)", t)
               else t for t in titles]
    # A page of the Reference part has no chapter number to cite, and Sphinx would continue the root page's count
    # there (its first exercise read "Exercise 4"): its exercises carry no number.
    chapter = chapter_number(page_path)
    if chapter is None and page_path.removeprefix(ZH) != toc_pages()[0]:
        expected_numbers = [("练习" if page_path.startswith(ZH) else "Exercise")] * len(titles)
    else:
        expected_numbers = [f"{k}" if chapter is None else f"{chapter}.{k}" for k in range(1, len(titles) + 1)]
    assert numbers == expected_numbers, f"exercise numbers {numbers}, expected {expected_numbers}"

    bold = page.evaluate(BOLD_GLUE_JS)
    assert not bold, f"glued numbers drawn bolder than their text: {bold[:5]}"

    open_solutions(page)
    clipped = page.evaluate(CLIPPED_OUTPUT_JS)
    assert not clipped, f"output lines clipped at {DESKTOP} px: {clipped}"
    off_page = page.evaluate(MATH_OFF_PAGE_JS)
    assert not off_page, f"math running off the page at {DESKTOP} px: {off_page}"

    check_twin(page, page_path)
    if page_path.startswith(ZH):
        check_chinese_page(page, page_path)
        if source_of(page_path).suffix == ".ipynb":
            note = page.locator("p.notebook-language-note")
            assert note.count() == 1 and "英文" in note.inner_text(), "no note that the Colab notebook is English"

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / (page_path.replace("/", "_") + ".png")), full_page=True)
    assert_no_console_errors(errors)
    page.close()


def check_twin(page, page_path: str) -> None:
    """The language switcher links this page to the same page of the other edition, and that page exists."""
    links = page.eval_on_selector_all("main div.language-switch a.twin-link", "els => els.map(e => e.href)")
    assert len(links) == 1, f"expected one language-switch link, found {links}"
    twin = page_path.removeprefix(ZH) if page_path.startswith(ZH) else ZH + page_path
    assert links[0].endswith(f"/{twin}.html"), f"the language switch links to {links[0]}, not to {twin}.html"
    assert page.request.get(links[0]).status == 200, f"the twin page {links[0]} does not load"


# Tofu: a character that no installed font has is drawn as the same empty box as an unassigned code point. Each
# distinct CJK character of the article is drawn in the article's own font and compared with that box.
TOFU_JS = """() => {
    const main = document.querySelector('main .bd-article') || document.querySelector('main');
    const font = '32px ' + getComputedStyle(main.querySelector('p') || main).fontFamily;
    const chars = Array.from(new Set(main.innerText.match(/[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/g) || []));
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 48;
    const ctx = canvas.getContext('2d');
    const draw = c => { ctx.clearRect(0, 0, 48, 48); ctx.font = font; ctx.fillText(c, 4, 36);
                        return Array.from(ctx.getImageData(0, 0, 48, 48).data).join(','); };
    const box = draw('\u0378');
    return {count: chars.length, tofu: chars.filter(c => draw(c) === box)};
}"""


def check_chinese_page(page, page_path: str) -> None:
    """A page of the Chinese edition: its CJK text is drawn with a real font, and no glued number got lost."""
    assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
    result = page.evaluate(TOFU_JS)
    assert result["count"] > 0, "no Chinese text on a page of the Chinese edition"
    assert not result["tofu"], f"characters drawn as empty boxes (no CJK font?): {''.join(result['tofu'][:20])}"
    english = (HTML / (page_path.removeprefix(ZH) + ".html")).read_text(encoding="utf-8")
    chinese = (HTML / (page_path + ".html")).read_text(encoding="utf-8")
    glued = english.count('class="pasted-text"'), chinese.count('class="pasted-text"')
    assert glued[1] == glued[0], f"{glued[0]} glued numbers on the English page, {glued[1]} on its Chinese twin"
    # Emphasis is drawn as Chinese emphasis dots, but reference lists keep italic Latin titles (no dots under them).
    dotted = page.evaluate("""() => [...document.querySelectorAll('main .citation-list em, main .footnote-list em')]
        .filter(e => getComputedStyle(e).fontStyle !== 'italic').map(e => e.textContent.slice(0, 40))""")
    assert not dotted, f"reference titles without italics (emphasis dots under Latin text?): {dotted[:5]}"


@pytest.mark.parametrize("page_path", edition_pages())
def test_page_on_a_phone(page_path: str, server: str, browser) -> None:
    """At 420 px nothing runs off the page: no sideways scrolling, no cut math or output, even in solutions."""
    page, errors = open_page(browser, server, page_path, PHONE)
    open_solutions(page)
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= PHONE, f"the page scrolls sideways at {PHONE} px (content {overflow} px wide)"
    off_page = page.evaluate(MATH_OFF_PAGE_JS)
    assert not off_page, f"math running off the page at {PHONE} px: {off_page}"
    clipped = page.evaluate(CLIPPED_OUTPUT_JS)
    assert not clipped, f"output lines clipped at {PHONE} px: {clipped}"
    wrapped = page.evaluate(SOURCE_SCROLLS_JS)
    assert not wrapped, f"library code wrapped (indentation broken) at {PHONE} px: {wrapped}"
    page.wait_for_timeout(300)  # phone.js looks again 200 ms after a click (the solutions just opened)
    cramped = page.evaluate(CRAMPED_JS)
    assert not cramped["figures"], f"figures shrunk at {PHONE} px with no way to open them full size: {cramped}"
    assert not cramped["tables"], f"tables wider than the page at {PHONE} px with no scroll hint: {cramped}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / (page_path.replace("/", "_") + f"-{PHONE}.png")), full_page=True)
    assert_no_console_errors(errors)
    page.close()


# Wide figures and tables on a phone (_static/phone.js): a figure shrunk under 3/4 of its width must link to its
# full size; a table wider than its box must scroll inside it with a hint above.
CRAMPED_JS = """() => {
    const figures = Array.from(document.querySelectorAll('main .cell_output img, main figure img'))
        .filter(img => img.naturalWidth && img.getBoundingClientRect().width < 0.75 * img.naturalWidth
                       && !img.closest('a'))
        .map(img => img.src.split('/').pop());
    const tables = Array.from(document.querySelectorAll('main table'))
        .filter(t => t.scrollWidth > t.parentNode.clientWidth + 2)
        .filter(t => !(t.parentNode.classList.contains('table-scroll')
                       && t.parentNode.previousElementSibling
                       && t.parentNode.previousElementSibling.classList.contains('table-scroll-hint')))
        .map(t => t.innerText.slice(0, 40));
    return {figures, tables};
}"""


NAV_SHOWN_JS = """() => {
    const nav = document.querySelector('#pst-primary-sidebar, .bd-sidebar-primary');
    const box = nav.getBoundingClientRect();
    const style = getComputedStyle(nav);
    return box.width > 0 && box.right > 10 && style.visibility !== 'hidden' && style.display !== 'none'
        && Number(style.opacity) > 0.5;
}"""


@pytest.mark.parametrize("prefix", ["", ZH])
@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_menu_button_opens_and_closes_the_navigation(width: int, prefix: str, server: str, browser) -> None:
    """The menu button works: on a desktop it hides and shows the open navigation; on a phone it opens the hidden
    navigation, and a tap beside it closes it again. In both editions."""
    page, errors = open_page(browser, server, prefix + (toc_pages()[2] if len(toc_pages()) > 2 else toc_pages()[0]),
                             width)
    toggle = page.locator("button.primary-toggle:visible").first
    shown = page.evaluate(NAV_SHOWN_JS)
    assert shown is (width == DESKTOP), f"at {width} px the navigation starts {'open' if shown else 'closed'}"
    toggle.click()
    page.wait_for_timeout(600)
    assert page.evaluate(NAV_SHOWN_JS) is not shown, f"at {width} px the menu button did not toggle the navigation"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"nav-{prefix.strip('/') or 'en'}-{width}-after-click.png"))
    if width == DESKTOP:
        toggle.click()
    else:  # the open navigation covers the button: tap the page beside it, as a phone user does
        page.mouse.click(width - 20, 450)
    page.wait_for_timeout(600)
    assert page.evaluate(NAV_SHOWN_JS) is shown, f"at {width} px the navigation did not close/reopen"
    assert_no_console_errors(errors)
    page.close()


SEARCH_TERMS = [("", "residual"), ("", "bottleneck"), ("", "degradation"),
                (ZH, "残差"), (ZH, "瓶颈"), (ZH, "快捷连接")]


@pytest.mark.parametrize("prefix, term", SEARCH_TERMS, ids=[t for _, t in SEARCH_TERMS])
def test_search_finds_the_books_terms(prefix: str, term: str, server: str, browser) -> None:
    """A reader types a term of the book into the search box: both editions list pages (the Chinese one segments
    with jieba and the book's own terms, so compounds such as 快捷连接 are found whole)."""
    page = browser.new_page(viewport={"width": DESKTOP, "height": 900})
    page.goto(f"{server}/{prefix}search.html?q={term}", wait_until="load")
    # The summary line is empty while the search runs and says how many pages matched once it is done.
    page.wait_for_function("() => { const p = document.querySelector('#search-results p.search-summary'); "
                           "return p !== null && p.textContent.trim().length > 0; }", timeout=30000)
    found = page.locator("#search-results ul.search > li").count()
    assert found > 0, f"searching {prefix or 'en/'} for {term!r} finds nothing"
    page.close()


# Number forms a reader should never meet (issue 27): e-notation, "nan", a hyphen-signed difference of points
# ("a gap of -3.3 points": the prose says "better" or "worse"), "3 of the 3 seeds" (the prose says "all three").
BAD_NUMBER_FORMS = {
    "e-notation": re.compile(r"(?<![\w.#/-])\d+(?:\.\d+)?[eE][+-]?\d+(?![\w.])"),
    "nan": re.compile(r"\bnan\b", re.I),
    "hyphen-signed points": re.compile(r"(?<![\w−])-\d+(?:\.\d+)?\s*(?:percentage\s+)?points?\b"),
    "N of the N": re.compile(r"\b(\d+) of the \1\b"),
}


def prose_text(html: str) -> str:
    """The text a reader reads on a page: <main> without code, code outputs, math, images and hidden markup."""
    main = html[html.find("<main"):html.find("</main>")]
    main = re.sub(r"<(script|style|pre|code|math)\b.*?</\1>", " ", main, flags=re.S)
    main = re.sub(r'<div class="cell_output.*?</div>\s*</div>', " ", main, flags=re.S)
    main = re.sub(r"\\\(.*?\\\)|\\\[.*?\\\]|\$\$.*?\$\$", " ", main, flags=re.S)  # MathJax source
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("&nbsp;", "\u00a0")


def bad_number_forms(text: str) -> list[str]:
    """Each forbidden number form found in the text, with a little context."""
    found = []
    for name, pattern in BAD_NUMBER_FORMS.items():
        for match in pattern.finditer(text):
            found.append(f"{name}: ...{text[max(0, match.start() - 40):match.end() + 20]}...")
    return found


def test_the_number_form_check_can_fail() -> None:
    bad = ("a rise of 8.0e-11 times, 1e+12 units, losses are nan, a gap of -3.3 points, held with 3 of the 3 seeds")
    assert [f.split(":")[0] for f in bad_number_forms(bad)] == ["e-notation", "e-notation", "nan",
                                                               "hyphen-signed points", "N of the N"]
    assert bad_number_forms("8.0\u00a0×\u00a010⁻¹¹ times, ResNet-56, −1 point, 3 of the 5 seeds, conv3-64") == []


@pytest.mark.parametrize("page_path", edition_pages())
def test_numbers_read_as_a_person_writes_them(page_path: str) -> None:
    """Both editions' prose, as built: no e-notation, no nan, no "-3.3 points", no "3 of the 3"."""
    html = (HTML / (page_path + ".html")).read_text(encoding="utf-8")
    assert not bad_number_forms(prose_text(html))


def test_the_chinese_pages_draw_the_diagrams_in_chinese() -> None:
    """Each diagram cell's image (named by the SHA-256 of its English bytes) is on both editions' pages, and the
    Chinese edition's file is a different drawing: the one with Chinese labels (tools/translations.py build)."""
    import base64
    import hashlib
    import json

    diagram = re.compile(r"^(block_diagrams|unit_diagrams|function_classes)\(")
    checked = []
    for page in toc_pages():
        path = source_of(page)
        if path.suffix != ".ipynb":
            continue
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            lines = "".join(cell["source"]).strip().splitlines()
            if cell["cell_type"] != "code" or not lines or not diagram.match(lines[-1]):
                continue
            (png,) = [o["data"]["image/png"] for o in cell["outputs"] if "image/png" in o.get("data", {})]
            name = hashlib.sha256(base64.b64decode(png)).hexdigest() + ".png"
            page_html = (HTML / (page + ".html")).read_text(encoding="utf-8")
            zh_html = (HTML / ZH / (page + ".html")).read_text(encoding="utf-8")
            assert name in page_html and name in zh_html, (page, lines[-1])
            assert (HTML / ZH / "_images" / name).read_bytes() != (HTML / "_images" / name).read_bytes(), (page, lines[-1])
            checked.append(f"{page}: {lines[-1]}")
    assert len(checked) >= 7, checked  # chapters 3 (three), 5 (three) and 7 (one)
