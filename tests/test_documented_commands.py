"""Every command the README, the Makefile's header and the tools' and library's docstrings show is run here, so a
documented command cannot rot (`tools/notebooks.py times --measure` once failed to parse).

Cheap forms keep this in the unit tests: `make` targets are dry-run (`make -n`: the target exists and expands),
`tools/notebooks.py` runs for real except that executing a notebook is replaced by a stub, scripts with a real cost
get `--help` (they start, import and parse), and pytest commands `--collect-only` (plugins and flags exist).
"""
from __future__ import annotations

import functools
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "chapters/00_introduction.ipynb"  # stands for placeholders such as [...] and <yours>
# Shown to people, not runnable by a test: an interactive server.
INTERACTIVE = {".venv/bin/jupyter lab chapters/": "starts a server and waits for a browser"}
COMMAND = re.compile(r"^(?:\.venv/bin/\S+|make \S+|python3? \S+|pytest|tools/\S+\.py)")


def documented_commands() -> list[str]:
    """Commands in backticks or indented lines of README.md, the Makefile header and every module docstring."""
    texts = [(ROOT / "README.md").read_text(encoding="utf-8")]
    texts.append("\n".join("    " + line.lstrip("#").strip() for line in (ROOT / "Makefile").read_text().splitlines()
                           if line.startswith("#")))
    for path in sorted([*ROOT.glob("tools/*.py"), *ROOT.glob("resnet_lib/**/*.py")]):
        match = re.match(r'\s*(?:#[^\n]*\n)*\s*"""(.*?)"""', path.read_text(encoding="utf-8"), re.S)
        if match:
            texts.append(match.group(1))
    found: list[str] = []
    for text in texts:
        fenced = "\n".join(re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S))
        text = re.sub(r"^```[a-z]*\n.*?^```", "", text, flags=re.M | re.S)
        candidates = re.findall(r"`([^`\n]+)`", text)
        candidates += [line.strip() for line in text.splitlines() if line.startswith("    ")]
        candidates += [line.split("  #")[0].strip() for line in fenced.splitlines()]
        for candidate in candidates:
            command = re.split(r"\s{3,}", candidate.strip())[0]  # drop an aligned comment
            if COMMAND.match(command) and command not in found:
                found.append(command)
    return found


def concrete(command: str) -> list[str]:
    command = command.replace("<yours>", "00_introduction").replace("[chapters/*.ipynb]", EXAMPLE)
    command = command.replace("[...]", EXAMPLE)
    command = re.sub(r"\[CHAPTERS=([^\]]+)\]", r"CHAPTERS=\1", command)
    words = shlex.split(command.replace("\\|", "|"))
    if words[0] in ("python", "python3"):
        words = words[1:]
    if words[0].startswith("tools/") and not words[0].endswith(".py"):
        raise AssertionError(command)
    return words


@functools.lru_cache(maxsize=None)
def run_help(program: tuple[str, ...]) -> tuple[int, str]:
    """`PROGRAM --help`, once per program (importing torch is the slow part)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([*program, "--help"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return result.returncode, result.stderr


def load_notebooks_tool():
    spec = importlib.util.spec_from_file_location("notebooks_tool", ROOT / "tools" / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_documentation_shows_the_commands_this_test_knows() -> None:
    commands = documented_commands()
    for expected in ("make book", "make test", "python -m resnet_lib.bench"):
        assert expected in commands
    assert any("notebooks.py times --measure" in c for c in commands), commands


@pytest.mark.parametrize("command", documented_commands())
def test_documented_command_runs(command: str, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    if command in INTERACTIVE:
        pytest.skip(INTERACTIVE[command])
    words = concrete(command)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if words[0] == "make":
        result = subprocess.run(["make", "-n", *words[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, f"`{command}`: {result.stderr}"
    elif words[0] == "tools/notebooks.py":
        tool = load_notebooks_tool()
        executed: list[Path] = []

        def execute(path: Path, write: bool, timeout: int = 1800) -> float:
            assert path.exists(), path
            executed.append(path)
            return 1.0

        monkeypatch.setattr(tool, "execute", execute)
        monkeypatch.chdir(ROOT)
        assert tool.main(words[1:]) == 0, command
        assert "whole book" in capsys.readouterr().out
        assert bool(executed) == (words[1] == "run" or "--measure" in words), command
    elif words[0] == "-m" or words[0].startswith(".venv/bin/"):
        # A module of the library (a benchmark, the papers' hours-long recipes): it starts, imports and parses.
        program = [sys.executable, "-m", words[1]] if words[0] == "-m" else [words[0], *words[1:]]
        if words[0].startswith(".venv/bin/"):  # this test runs in whichever environment has the packages
            program = [str(Path(sys.executable).with_name(Path(words[0]).name)), *words[1:]]
        returncode, stderr = run_help(tuple(program))
        assert returncode == 0, f"`{command}`: {stderr[-2000:]}"
    elif words[0].startswith("tools/") and words[0].endswith(".py"):
        # The other tools (dry run, cell tags, synthetic data): they start, import and parse.
        returncode, stderr = run_help((sys.executable, words[0]))
        assert returncode == 0, f"`{command}`: {stderr[-2000:]}"
    elif words[0] == "pytest":
        target = [w if not w.endswith("chapters/") else EXAMPLE for w in words[1:]]
        if not any(w.endswith(".ipynb") for w in target):
            target.append(EXAMPLE)
        result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                                 *target], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"`{command}`: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    else:
        pytest.fail(f"no way to run the documented command `{command}`: teach tests/test_documented_commands.py")
