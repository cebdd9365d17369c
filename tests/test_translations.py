"""The Chinese edition's catalogues (issue 17): every page that is listed as translated is translated completely.

The English messages are extracted afresh (`tools/translations.py extract`, Sphinx's gettext builder, about 15 s)
whenever a source is newer than the last extraction, so an English edit without its Chinese twin fails here: the
edited paragraph is a new message that the catalogue does not translate (after `make translations` it is a fuzzy
one, which counts as missing too). The list of translated pages is `translated:` in locale/zh_CN/book.yml.
"""
from __future__ import annotations

import re
import shutil
import subprocess
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


# --- terminology (issue 27) -------------------------------------------------------------------------------------
# One Chinese term per concept (the glossary's 中文 column), no translationese. The glossary's "其他说法" column names
# the variants on purpose, so the variant rules do not apply to it.
CJK = "\u3400-\u4dbf\u4e00-\u9fff"
CODE = re.compile(r"(\{[\w:.-]+\})?`[^`]*`")
LINK_TARGET = re.compile(r"\]\([^)\s]*\)")
NUMBER = r"[\d一二两三四五六七八九十百千万几]"
TERMINOLOGY = [
    ("跳跃连接: the book says 快捷连接", re.compile("跳跃连接"), {"chapters/glossary"}),
    ("步幅: the book says 步长", re.compile("步幅"), {"chapters/glossary"}),
    ("孪生网络 is a Siamese network: say 对应的…网络", re.compile("孪生"), set()),
    ("瞎猜: say 随机猜测", re.compile("瞎猜"), set()),
    ("代码单元: a notebook cell is a 单元格 (代码单元格)", re.compile("代码单元(?!格)"), set()),
    ("小/少 N 倍 is ambiguous translationese: say 只有…的 1/N, 不到…的百分之一, 是…的 N 倍",
     re.compile(rf"(?<!至)[小少]\s*{NUMBER}[\d.,一二两三四五六七八九十百千万几]*\s*倍"), set()),
    ("half-width parenthesis next to Chinese: use （）", re.compile(rf"[{CJK}][()]|[()][{CJK}]"), set()),
]


def terminology_problems(text: str, page: str = "") -> list[str]:
    """The terminology rules a msgstr breaks, with some context; code, math and link targets are not prose."""
    for construct in (MATH, CODE, LINK_TARGET):
        text = construct.sub(" ", text)
    problems = []
    for rule, pattern, exempt in TERMINOLOGY:
        if page in exempt:
            continue
        for m in pattern.finditer(text):
            problems.append(f"{rule}: …{text[max(0, m.start() - 12):m.end() + 12]}…")
    return problems


@pytest.mark.parametrize("bad", [
    "比 $4/n$ 网络的爆炸至少小一百倍", "模型比 GPipe 小 8.4 倍", "参数少 10 倍", "结果不如它的预激活孪生网络",
    "误差停在瞎猜的水平", "本页的第一个代码单元打印出", "快捷连接(shortcut)", "见下文(第 3 章)", "跳跃连接", "步幅为 2",
])
def test_terminology_lint_catches(bad: str) -> None:
    assert terminology_problems(bad, "chapters/02_degradation"), bad


@pytest.mark.parametrize("good", [
    "其幅度不到 $4/n$ 网络的百分之一", "至少 3 倍", "两个代码单元格", "快捷连接（shortcut）", "(a) 原始单元",
    "`nn.Conv2d(1, 1, 3)`中", "$f(x)$的", "[第 3 章](03_residual_learning.md)中", "减小到原来的十分之一",
])
def test_terminology_lint_passes(good: str) -> None:
    assert not terminology_problems(good, "chapters/02_degradation"), good


@pytest.mark.parametrize("page", PAGES)
def test_translations_follow_the_terminology(page: str) -> None:
    from babel.messages.pofile import read_po

    path = translations.catalogue(LANG, page)
    if not path.exists():
        pytest.skip(f"no catalogue for {page}")
    with path.open("rb") as f:
        catalogue = read_po(f)
    bad = [f"{message.id[:50]!r}: {problem}" for message in catalogue if message.id and message.string
           for problem in terminology_problems(message.string, page)]
    assert not bad, f"{path.relative_to(ROOT)} (locale/TRANSLATING.md, Terminology):\n" + "\n".join(bad)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("page", PAGES)
def test_catalogue_passes_msgfmt_check(page: str, tmp_path: Path) -> None:
    """`msgfmt -c` (what Poedit and other editors run): syntax, header, and no format-string mismatch. babel flags
    prose such as "3.57% of" as python-format; tools/translations.py update drops those false flags."""
    path = translations.catalogue(LANG, page)
    if not path.exists():
        pytest.skip(f"no catalogue for {page}")
    result = subprocess.run(["msgfmt", "-c", "-o", str(tmp_path / "page.mo"), str(path)], capture_output=True,
                            text=True)
    assert result.returncode == 0, f"msgfmt -c {path.relative_to(ROOT)}:\n{result.stderr}"


def test_the_chinese_search_knows_the_glossary_terms_and_their_other_names() -> None:
    """jieba splits unknown words into single characters: every glossary term, and the source notes' and textbooks'
    names for it (a reader searches for 暂退法 as often as for 随机失活), goes into the search dictionary."""
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from translations import search_terms
    finally:
        sys.path.remove(str(ROOT / "tools"))
    terms = set(search_terms())
    assert {"快捷连接", "随机失活", "批归一化"} <= terms  # the edition's terms
    assert {"暂退法", "步幅", "残差结构", "直连边"} <= terms  # the other names readers know


def test_the_chinese_build_redraws_each_diagram_in_place_of_the_english_one(tmp_path: Path) -> None:
    """localise_diagrams finds a diagram cell's English image in the HTML by its SHA-256 name (myst-nb's naming) and
    writes the Chinese drawing there; other cells' images stay; an English image missing from the HTML is an error."""
    import base64
    import hashlib
    import io
    import json

    import matplotlib

    matplotlib.use("Agg")
    from resnet_lib.figures.diagrams import block_diagrams

    buffer = io.BytesIO()
    block_diagrams(("basic",)).savefig(buffer, format="png", bbox_inches="tight")
    english = buffer.getvalue()
    other = b"\x89PNG not a diagram"

    def cell(source: str, png: bytes) -> dict:
        return {"cell_type": "code", "source": source, "metadata": {},
                "outputs": [{"output_type": "execute_result", "data": {"image/png": base64.b64encode(png).decode()}}]}

    notebook = tmp_path / "page.ipynb"
    notebook.write_text(json.dumps({"cells": [cell('block_diagrams(("basic",))', english),
                                              cell("plot_history(curves)", other)]}))
    images = tmp_path / "html" / "_images"
    images.mkdir(parents=True)
    names = [hashlib.sha256(png).hexdigest() + ".png" for png in (english, other)]
    for name, png in zip(names, (english, other)):
        (images / name).write_bytes(png)
    assert translations.localise_diagrams("zh_CN", tmp_path / "html", [notebook]) == names[:1]
    chinese = (images / names[0]).read_bytes()
    assert chinese.startswith(b"\x89PNG") and chinese != english
    assert (images / names[1]).read_bytes() == other
    (images / names[0]).unlink()
    with pytest.raises(SystemExit, match="is not in"):
        translations.localise_diagrams("zh_CN", tmp_path / "html", [notebook])
