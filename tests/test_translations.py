"""The Chinese edition's catalogues (issue 17): every page that is listed as translated is translated completely.

The English messages are extracted afresh (`tools/translations.py extract`, Sphinx's gettext builder, about 15 s)
whenever a source is newer than the last extraction, so an English edit without its Chinese twin fails here: the
edited paragraph is a new message that the catalogue does not translate (after `make translations` it is a fuzzy
one, which counts as missing too). The list of translated pages is `translated:` in locale/zh_CN/book.yml.
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import translations  # noqa: E402

LANG = "zh_CN"
EDITION = translations.edition(LANG)
PAGES = translations.toc_pages()


def _sources() -> list[Path]:
    files = [ROOT / "_config.yml", ROOT / "_toc.yml", *(ROOT / "_ext").glob("*.py"), ROOT / "tools" / "translations.py"]
    for page in PAGES:
        files += [p for p in (ROOT / f"{page}.ipynb", ROOT / f"{page}.md") if p.exists()]
    return files


@pytest.fixture(scope="module")
def templates() -> Path:
    """Fresh .pot files of the English book (extracted again when any source is newer)."""
    pots = [translations.template(page) for page in PAGES]
    newest_source = max(p.stat().st_mtime for p in _sources())
    if not all(p.exists() for p in pots) or min(p.stat().st_mtime for p in pots) < newest_source:
        translations.extract()
    return translations.POT_DIR


def test_the_list_of_translated_pages_names_pages_of_the_book() -> None:
    unknown = set(EDITION["translated"]) - set(PAGES)
    assert not unknown, f"locale/{LANG}/book.yml lists pages that are not in _toc.yml: {sorted(unknown)}"


def test_every_page_has_a_catalogue() -> None:
    missing = [page for page in PAGES if not translations.catalogue(LANG, page).exists()]
    assert not missing, f"no catalogue for {missing}: run `make translations`"


def test_every_part_caption_is_translated() -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    captions = [part["caption"] for part in toc.get("parts", []) if "caption" in part]
    missing = [c for c in captions if c not in EDITION["captions"]]
    assert not missing, f"part captions without a translation in locale/{LANG}/book.yml: {missing}"


@pytest.mark.parametrize("page", EDITION["translated"])
def test_listed_page_is_fully_translated(page: str, templates: Path) -> None:
    share = translations.share(LANG, page)
    print(f"{page}: {share.translated}/{share.total} messages translated ({100 * share.share:.1f}%), "
          f"{share.fuzzy} fuzzy")
    assert share.total > 0, f"{page}: no messages extracted"
    assert share.share == 1.0, (
        f"{page}: {share.translated} of {share.total} messages translated ({100 * share.share:.1f}%; fuzzy and "
        f"empty ones count as missing). Run `make translations PAGES={page}` and translate the empty and fuzzy "
        f"entries of {translations.catalogue(LANG, page).relative_to(ROOT)} (locale/TRANSLATING.md)")


# A role with its target ({glue:text}`key:.1f`, {footcite}`key`, {doc}`page`, {ref}`label`) and inline math.
ROLE = re.compile(r"\{[\w:.-]+\}`[^`]*`")
MATH = re.compile(r"(?<!\\)\$[^$]+(?<!\\)\$")


def _constructs(text: str) -> Counter:
    return Counter(ROLE.findall(text)) + Counter(m.replace(" ", "") for m in MATH.findall(text))


@pytest.mark.parametrize("page", PAGES)
def test_translations_keep_every_role_glue_key_and_formula(page: str) -> None:
    """Sphinx checks that references survive translation, but not glue keys or math: a dropped {glue:text} role
    would silently lose a number. Every translated message keeps the roles and formulas of its English."""
    from babel.messages.pofile import read_po

    path = translations.catalogue(LANG, page)
    if not path.exists():
        pytest.skip(f"no catalogue for {page}")
    with path.open("rb") as f:
        catalogue = read_po(f)
    bad = []
    for message in catalogue:
        if message.id and message.string and not message.fuzzy:
            lost = _constructs(message.id) - _constructs(message.string)
            added = _constructs(message.string) - _constructs(message.id)
            if lost or added:
                bad.append(f"{message.id[:60]!r}: lost {sorted(lost)}, added {sorted(added)}")
    assert not bad, f"{path.relative_to(ROOT)}:\n" + "\n".join(bad)


def test_glue_extension_is_tested_against_the_installed_myst_nb() -> None:
    """_ext/book_i18n.py patches two functions of myst-nb: a new myst-nb must be checked before it is used."""
    import myst_nb

    sys.path.insert(0, str(ROOT / "_ext"))
    import book_i18n

    assert myst_nb.__version__ == book_i18n.MYST_NB_TESTED, (
        f"myst-nb {myst_nb.__version__} installed, _ext/book_i18n.py tested with {book_i18n.MYST_NB_TESTED}: build "
        "the Chinese edition (`make book`), check that glued numbers appear in translated paragraphs, then update "
        "MYST_NB_TESTED and the pin in requirements.txt")
    import myst_nb.sphinx_ as nb_sphinx

    assert callable(getattr(nb_sphinx, "load_renderer", None)), "myst_nb.sphinx_.load_renderer is gone"
    assert callable(getattr(nb_sphinx.Parser, "parse", None))
