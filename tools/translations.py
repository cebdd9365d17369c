#!/usr/bin/env python3
"""The translated editions (issue 17): configuration, message catalogues, statistics, build.

    python tools/translations.py config   [--lang zh_CN]      write _build/<lang>/_config.yml and _toc.yml
    python tools/translations.py extract                      English messages -> _build/gettext/chapters/*.pot
    python tools/translations.py update   [--lang zh_CN] [PAGE ...]   merge the .pot into locale/<lang>/LC_MESSAGES
    python tools/translations.py stats    [--lang zh_CN] [--check]    messages and translated share per page
    python tools/translations.py build    [--lang zh_CN]      the edition's HTML into _build/html/<output>/

The edition's settings (title, part captions, the pages that must be fully translated) are in
locale/<lang>/book.yml. `make translations` runs extract + update + stats; `make book` runs config + build after
the English build. See locale/TRANSLATING.md.
"""
from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "locale"
GETTEXT_OUT = ROOT / "_build" / "i18n"           # its own output and doctrees: never shared with the HTML build
POT_DIR = GETTEXT_OUT / "_build" / "gettext"
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
PO_WIDTH = 116  # the line width of the sources


def edition(lang: str = "zh_CN") -> dict:
    return yaml.safe_load((LOCALE / lang / "book.yml").read_text(encoding="utf-8"))


def catalogue(lang: str, page: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{page}.po"


def template(page: str) -> Path:
    return POT_DIR / f"{page}.pot"


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [entry["file"] for entry in part["chapters"]]
    return pages


# --- configuration ---------------------------------------------------------------------------------------------

def search_terms(lang: str = "zh_CN") -> list[str]:
    """The book's Chinese terms, two to twelve characters: the glossary's Chinese column (source notes' and
    textbooks' names included) and every bold term of the translated pages."""
    import re

    cjk = re.compile(r"[\u4e00-\u9fff]{2,12}")
    terms: set[str] = set()
    for line in (ROOT / "chapters" / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2:
            terms.update(cjk.findall(cells[1]))  # the edition's term
            if len(cells) >= 5:  # English | 中文 | also called | in one line | chapter
                terms.update(cjk.findall(cells[2]))  # the source notes' and textbooks' names
    for po in sorted((ROOT / "locale" / lang / "LC_MESSAGES" / "chapters").glob("*.po")):
        for string in re.findall(r'^msgstr "(.*)"$', po.read_text(encoding="utf-8"), flags=re.M):
            for bold in re.findall(r"\*\*(.+?)\*\*", string):
                terms.update(cjk.findall(bold))
    return sorted(terms)


def write_search_dictionary(lang: str = "zh_CN") -> Path:
    """A jieba user dictionary (one ``word frequency`` a line) of the book's terms, for the edition's search."""
    path = ROOT / "_build" / lang / "search_terms.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{term} 1000\n" for term in search_terms(lang)), encoding="utf-8")
    return path


def write_config(lang: str = "zh_CN") -> Path:
    """The edition's complete Jupyter Book config and toc, generated from _config.yml and _toc.yml."""
    settings = edition(lang)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config = copy.deepcopy(config)
    config["title"] = settings["title"]
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["language"] = lang
    sphinx_config.update(settings.get("config") or {})
    if lang.startswith("zh"):
        # Sphinx segments Chinese for its search index with jieba; a dictionary of the book's terms keeps compounds
        # such as 快捷连接 whole, so a reader who types one finds it.
        sphinx_config["html_search_options"] = {"dict": str(write_search_dictionary(lang))}
    # The twin of a page of this edition is the English page, one folder up.
    up = "../" * len(Path(settings["output"]).parts)
    sphinx_config["book_i18n_twin"] = {"root": up, "lang": "en", "label": "English"}
    sphinx_config["book_i18n_pending"] = [page for page in toc_pages() if page not in settings["translated"]]
    sphinx_config["book_i18n_pending_note"] = settings["pending_note"]
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    for part in toc.get("parts", []):
        caption = part.get("caption")
        if caption is not None:
            if caption not in settings["captions"]:
                raise SystemExit(f"locale/{lang}/book.yml: no translation of the part caption {caption!r}")
            part["caption"] = settings["captions"][caption]
    folder = ROOT / "_build" / lang
    folder.mkdir(parents=True, exist_ok=True)
    # Jupyter Book finds local extensions relative to the config file.
    local = config["sphinx"].get("local_extensions") or {}
    config["sphinx"]["local_extensions"] = {name: os.path.relpath(ROOT / path, folder) for name, path in local.items()}
    (folder / "_config.yml").write_text(
        "# Generated by tools/translations.py from _config.yml and locale/%s/book.yml: do not edit.\n" % lang
        + yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (folder / "_toc.yml").write_text(
        "# Generated by tools/translations.py from _toc.yml: do not edit.\n"
        + yaml.safe_dump(toc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


# --- catalogues ------------------------------------------------------------------------------------------------

def extract() -> None:
    """Run Sphinx's gettext builder over the English book, into its own output folder."""
    subprocess.run([str(JUPYTER_BOOK), "build", str(ROOT), "--builder", "custom", "--custom-builder", "gettext",
                    "--path-output", str(GETTEXT_OUT), "--all", "-W", "--keep-going", "-q"], check=True, cwd=ROOT)


def update(lang: str, pages: list[str] | None = None) -> list[Path]:
    """Merge the fresh templates into the catalogues: new messages empty, changed ones fuzzy, removed ones obsolete."""
    from babel.messages.pofile import read_po, write_po

    written = []
    for page in pages or toc_pages():
        pot = template(page)
        if not pot.exists():
            raise SystemExit(f"{pot} is missing: run `python tools/translations.py extract` first")
        with pot.open("rb") as f:
            tmpl = read_po(f)
        po_path = catalogue(lang, page)
        if po_path.exists():
            with po_path.open("rb") as f:
                cat = read_po(f, locale=lang)
            cat.update(tmpl, no_fuzzy_matching=False)
        else:
            cat = copy.deepcopy(tmpl)
            cat.locale = lang
            cat.fuzzy = False
        cat.project, cat.version = "ResNet from the ground up", ""
        cat.msgid_bugs_address = ""
        cat.copyright_holder = "The ResNet from the ground up authors"
        cat.last_translator = cat.language_team = ""
        cat.revision_date = cat.creation_date
        cat.obsolete.clear()  # git keeps the history; stale entries would only confuse translators
        # babel wraps a long `#| msgid` (the old English of a fuzzy entry) into lines that start with "# ", which it
        # reads back as translator comments: drop those, so each update does not pile up fragments of old English.
        # babel flags any message with a "%" followed by a letter-like character as `python-format` (prose such as
        # "3.57% of"); these are MyST paragraphs, not format strings, and `msgfmt -c` (and Poedit) then report false
        # errors for every translation that words the sentence differently. Drop the flag.
        for message in cat:
            if message.id:
                message.user_comments = []
                message.flags.discard("python-format")
        po_path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        write_po(buffer, cat, width=PO_WIDTH, omit_header=False, include_previous=True)
        # Rewrite only when a message changed: a new extraction date alone is no change worth a diff.
        if not po_path.exists() or _without_dates(po_path.read_bytes()) != _without_dates(buffer.getvalue()):
            po_path.write_bytes(buffer.getvalue())
            written.append(po_path)
    return written


def _without_dates(text: bytes) -> bytes:
    return re.sub(rb'"(POT-Creation-Date|PO-Revision-Date): [^"]*"', b"", text)


@dataclass
class Share:
    page: str
    total: int
    translated: int
    fuzzy: int
    stale: int  # translated entries of the catalogue whose English is no longer on the page

    @property
    def missing(self) -> int:
        return self.total - self.translated

    @property
    def share(self) -> float:
        return 1.0 if self.total == 0 else self.translated / self.total


def share(lang: str, page: str) -> Share:
    """Messages of the page's current template, and how many of them have a non-fuzzy translation."""
    from babel.messages.pofile import read_po

    with template(page).open("rb") as f:
        ids = [m.id for m in read_po(f) if m.id]
    done, fuzzy, entries = set(), 0, set()
    po_path = catalogue(lang, page)
    if po_path.exists():
        with po_path.open("rb") as f:
            for m in read_po(f):
                if not m.id:
                    continue
                entries.add(m.id)
                if m.fuzzy and m.string:
                    fuzzy += 1
                elif m.string:
                    done.add(m.id)
    translated = sum(1 for i in ids if i in done)
    return Share(page, len(ids), translated, fuzzy, len(done - set(ids)))


def stats(lang: str, check: bool = False) -> int:
    required = set(edition(lang)["translated"])
    print(f"{'page':<34} {'messages':>8} {'translated':>10} {'fuzzy':>6} {'share':>7}  required")
    failures = []
    for page in toc_pages():
        s = share(lang, page)
        must = page in required
        print(f"{page:<34} {s.total:>8} {s.translated:>10} {s.fuzzy:>6} {100 * s.share:>6.1f}%  {'yes' if must else ''}")
        if must and s.share < 1.0:
            failures.append(page)
    if failures and check:
        print(f"not fully translated: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


# --- build -----------------------------------------------------------------------------------------------------

def build(lang: str = "zh_CN", extra: list[str] | None = None) -> Path:
    folder = write_config(lang)
    out = ROOT / "_build" / lang
    command = [str(JUPYTER_BOOK), "build", str(ROOT), "--config", str(folder / "_config.yml"), "--toc",
               str(folder / "_toc.yml"), "--path-output", str(out), "--all", "-W", "--keep-going", *(extra or [])]
    # Jupyter Book's closing banner names its own output folder, a copy the reader never opens: print everything
    # but that banner, and then the real path.
    banner = ("_build/html", "Finished generating HTML", "Your book's HTML pages", "You can look at your book",
              "Or paste this line", "=====")
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        for line in process.stdout:
            if not any(part in line for part in banner):
                print(line, end="", flush=True)
    if process.returncode:
        raise SystemExit(f"the {lang} build failed (exit status {process.returncode})")
    target = ROOT / "_build" / "html" / edition(lang)["output"]
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(out / "_build" / "html", target)
    redrawn = localise_diagrams(lang, target, [ROOT / f"{page}.ipynb" for page in toc_pages()])
    print(f"HTML ({lang}): {target / 'index.html'} ({len(redrawn)} diagrams redrawn with {lang} labels)")
    return target


# A cell whose value is one of the library's diagrams: its last line calls the function.
DIAGRAM_CALL = re.compile(r"^(block_diagrams|unit_diagrams|function_classes)\(")


def localise_diagrams(lang: str, html: Path, notebooks: list[Path]) -> list[str]:
    """Redraw every diagram cell of `notebooks` with RESNET_BOOK_LANG=`lang` and put the image in place of the English
    one in the edition's HTML (`html`/_images/, where myst-nb names an output image by the SHA-256 of its bytes).

    Both editions are built from the same executed notebooks, so this is the one place where the Chinese pages can
    get the diagrams' Chinese labels (resnet_lib.figures.language). Returns the image names it replaced; an English
    image it cannot find in `html` is an error (the naming changed, or the page was not built).
    """
    import matplotlib

    matplotlib.use("Agg")
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # the CJK font's weight: 500, not 400
    from resnet_lib.figures.diagrams import block_diagrams, function_classes
    from resnet_lib.figures.language import LANGUAGE_VARIABLE
    from resnet_lib.figures.preact_diagrams import unit_diagrams

    functions = {"block_diagrams": block_diagrams, "unit_diagrams": unit_diagrams,
                 "function_classes": function_classes}
    replaced = []
    previous = os.environ.get(LANGUAGE_VARIABLE)
    os.environ[LANGUAGE_VARIABLE] = lang
    try:
        for path in notebooks:
            if not path.exists():
                continue
            for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
                lines = "".join(cell["source"]).strip().splitlines()
                if cell["cell_type"] != "code" or not lines or not DIAGRAM_CALL.match(lines[-1]):
                    continue
                images = [o["data"]["image/png"] for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
                if len(images) != 1:
                    raise SystemExit(f"{path.name}: the diagram cell {lines[-1]!r} has {len(images)} images, not 1")
                english = base64.b64decode(images[0])
                name = hashlib.sha256(english).hexdigest() + ".png"
                target = html / "_images" / name
                if not target.exists():
                    raise SystemExit(f"{path.name}: the image of {lines[-1]!r} is not in {target.parent} as {name}")
                namespace = dict(functions)
                exec("\n".join(lines[:-1]), namespace)
                figure = eval(lines[-1], namespace)
                buffer = io.BytesIO()
                figure.savefig(buffer, format="png", bbox_inches="tight", dpi=figure.dpi)
                target.write_bytes(buffer.getvalue())
                replaced.append(name)
    finally:
        if previous is None:
            os.environ.pop(LANGUAGE_VARIABLE, None)
        else:
            os.environ[LANGUAGE_VARIABLE] = previous
    return replaced


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["config", "extract", "update", "stats", "build"])
    parser.add_argument("pages", nargs="*", help="pages (e.g. chapters/glossary) for update; default every page")
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument("--check", action="store_true", help="stats: fail when a required page is not complete")
    args = parser.parse_args(argv)
    if args.command == "config":
        print(write_config(args.lang))
    elif args.command == "extract":
        extract()
    elif args.command == "update":
        pages = [p.removesuffix(".ipynb").removesuffix(".md").removesuffix(".po") for p in args.pages]
        for path in update(args.lang, pages or None):
            print(path.relative_to(ROOT))
    elif args.command == "stats":
        return stats(args.lang, args.check)
    elif args.command == "build":
        build(args.lang)
    return 0


if __name__ == "__main__":
    sys.exit(main())
