"""Checks of the book's frame: the table of contents, the setup cell, the chapter template, executed notebooks."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
PLANNED = ["introduction", "alexnet_vgg", "degradation", "residual_learning", "why_residual_networks_train",
           "bottleneck", "batch_norm",
           "preactivation", "resnet_in_practice", "reproducing", "porting_keras", "claims", "glossary", "references"]
REFERENCE_PAGES = {"reproducing", "claims"}  # executed pages of the Reference part: no objectives, sizes or exercises
CHAPTERS = [nb for nb in NOTEBOOKS if nb.stem not in REFERENCE_PAGES]


def setup_cell_source(url: str) -> str:
    """The first code cell of every chapter: installs resnet_lib in Colab, does nothing elsewhere."""
    return ("# Setup: in Colab, install resnet_lib from the book's repository; elsewhere, nothing to do.\n"
            "import sys\n"
            "\n"
            "if \"google.colab\" in sys.modules:\n"
            f"    %pip install -q git+{url}@main")


def toc_files() -> list[str]:
    files = [TOC["root"]]
    for part in TOC["parts"]:
        files += [c["file"] for c in part["chapters"]]
    return files


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_toc_lists_the_planned_chapters_in_order() -> None:
    names = [re.sub(r"^\d+_", "", Path(f).name) for f in toc_files()]
    assert names == PLANNED


def test_every_toc_entry_exists_and_every_chapter_is_listed() -> None:
    for f in toc_files():
        assert (ROOT / f"{f}.ipynb").exists() or (ROOT / f"{f}.md").exists(), f
    listed = set(toc_files())
    for nb in NOTEBOOKS:
        assert f"chapters/{nb.stem}" in listed, f"{nb.name} is not in _toc.yml"


def test_config_is_offline_and_built_from_committed_outputs() -> None:
    assert CONFIG["execute"]["execute_notebooks"] == "off"
    assert CONFIG["repository"]["branch"] == "main"
    assert "sphinx-mathjax-offline" in CONFIG["sphinx"]["extra_extensions"]
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert "jupyter-book>=1.0.4,<2" in (ROOT / "requirements.txt").read_text()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_starts_with_the_setup_cell(path: Path) -> None:
    code = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    assert "".join(code[0]["source"]) == setup_cell_source(CONFIG["repository"]["url"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_was_executed_top_to_bottom_without_errors(path: Path) -> None:
    code = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    for cell in code:
        assert not [o for o in cell["outputs"] if o["output_type"] == "error"], "".join(cell["source"])[:80]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_hold_no_stderr(path: Path) -> None:
    """nbval compares streams too: stderr from the author's machine (a stale matplotlib font cache printing
    'findfont', a warning) is absent on a clean one, so the cell would fail there."""
    noisy = [(i, "".join(o.get("text", ""))[:120]) for i, c in enumerate(load(path)["cells"])
             for o in c.get("outputs", []) if o["output_type"] == "stream" and o.get("name") == "stderr"]
    assert not noisy, noisy


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_follows_the_template(path: Path) -> None:
    cells = load(path)["cells"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    code = [c for c in cells if c["cell_type"] == "code"]
    tags = [set(c.get("metadata", {}).get("tags", [])) for c in code]
    assert re.search(r"learning objectives", markdown, re.I), "no learning objectives"
    assert sum("sizes(" in "".join(c["source"]) for c in code) == 1, "exactly one cell declares the sizes"
    checks = [c for c, t in zip(code, tags)
              if "remove-cell" in t and "claim(" in "".join(c["source"])]
    assert checks, "no hidden check cell (tag remove-cell) asserting a claim"
    assert len(re.findall(r"```\{exercise\}", markdown)) >= 3, "fewer than three exercises"
    # a solution is a {solution} directive, or a gated {solution-start} ... {solution-end} around executed code
    assert len(re.findall(r"```\{solution(-start)?\}", markdown)) >= 3, "fewer than three solutions"
    assert re.search(r"^## Summary", markdown, re.M), "no summary section"
    assert re.search(r"```\{(foot)?bibliography\}", markdown), "no references"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_display_math_sits_on_its_own_lines(path: Path) -> None:
    for cell in load(path)["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).splitlines():
            if "$$" in line:
                assert line.strip().startswith("$$") and (line.strip() == "$$" or line.strip().endswith("$$")), line


def test_glossary_links_only_to_written_chapters() -> None:
    """A written chapter is a notebook; planned ones are .md stubs, named in the glossary without a link."""
    text = (ROOT / "chapters" / "glossary.md").read_text(encoding="utf-8")
    targets = re.findall(r"\{doc\}`([^`]+)`", text)
    assert len(targets) >= 10
    for t in targets:
        assert (ROOT / "chapters" / f"{t}.ipynb").exists(), f"glossary links to {t}, which is not written yet"
    assert len(re.findall(r"^\| ", text, re.M)) >= 30, "a row per term"


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_stores_no_widget_state(path: Path) -> None:
    # With widget state in the metadata, myst-nb makes every page load the widget manager from a CDN.
    assert "widgets" not in load(path).get("metadata", {}), "re-execute with `make refresh` (stores no widget state)"


def _code(cell: dict) -> str:
    """A code cell's source without IPython magics and shell lines, so it parses as Python."""
    lines = "".join(cell["source"]).splitlines()
    return "\n".join(line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
                     for line in lines)


def computed_names(cells: list[dict]) -> set[str]:
    """Names a notebook's code assigns (variables, loop targets, functions, classes), not the ones it imports."""
    names: set[str] = set()
    for cell in cells:
        for node in ast.walk(ast.parse(_code(cell))):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
    return names


def unsupported_asserts(check: dict, computed: set[str]) -> list[str]:
    """The asserts of a hidden check cell that test no value computed in the notebook (e.g. ``assert True`` or
    ``assert math.pi > 3``): each must use a name the notebook assigns or call something."""
    tree = ast.parse(_code(check))
    asserts = [node for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    local = computed | computed_names([check])
    def computes(test: ast.expr) -> bool:  # a computed name, or a call evaluated right here
        nodes = list(ast.walk(test))
        return any(isinstance(n, ast.Call) for n in nodes) or bool(
            {n.id for n in nodes if isinstance(n, ast.Name)} & local)

    return [ast.unparse(a.test) for a in asserts if not computes(a.test)] or (
        [] if asserts else ["(no assert statement)"])


def test_the_assert_checker_can_fail() -> None:
    cell = {"source": ["result = 2\n", "assert True\n", "assert result > 1\n"]}
    assert unsupported_asserts(cell, set()) == ["True"]
    assert unsupported_asserts({"source": ["import math\n", "assert math.pi > 3"]}, set()) == ["math.pi > 3"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_hidden_checks_assert_on_values_computed_in_the_notebook(path: Path) -> None:
    code = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    computed = computed_names(code)
    checks = [c for c in code if "remove-cell" in c.get("metadata", {}).get("tags", []) and "assert" in "".join(c["source"])]
    for check in checks:
        assert not unsupported_asserts(check, computed), "".join(check["source"])[:200]


GLUE_ROLE = re.compile(r"\{glue(?::text|:md)?\}`([^`:]+)(?::[^`]*)?`")
WORD = re.compile(r"[A-Za-z]{2,}")  # numbers, tuples of them, 34.8% and 1e-05 pass (nan and inf are removed first)


def glued_values(nb: dict) -> dict[str, str]:
    """Every value a notebook glues, as the text its outputs store."""
    values = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            name = (output.get("metadata", {}).get("scrapbook") or {}).get("name")
            if name:
                data = output.get("data", {})
                keys = sorted((k for k in data if k.endswith(("text/markdown", "text/plain"))), key=lambda k: "plain" in k)
                text = data[keys[0]] if keys else ""  # Markdown's own text, not the object's repr
                values[name] = "".join(text) if isinstance(text, list) else text
    return values


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_prose_glues_numbers_not_words(path: Path) -> None:
    """CONTRIBUTING rule 1: a glued word would stay English in the Chinese edition; glue the number, write the words."""
    nb = load(path)
    values = glued_values(nb)
    words = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for match in GLUE_ROLE.finditer("".join(cell["source"])):
            value = values.get(match.group(1), "").strip().strip("'\"")
            if WORD.search(re.sub(r"\b(nan|inf)\b", "", value)):
                words.append(f"{match.group(1)} = {value!r}")
    assert not words, f"{path.name}: glued into the prose as words (glue a number instead): {words}"
