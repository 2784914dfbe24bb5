"""Every Python block of the README runs as written, in order, in one namespace (as a reader
pasting them into one session would), and prints what the README says it prints. The longer
examples live in the documentation's tutorials (docs/tutorials), which the docs build executes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_readme_has_its_example():
    assert len(python_blocks(README.read_text())) >= 1


SITE = "https://freqxai.readthedocs.io/en/latest/"


def test_the_readme_links_exist():
    """The README's links are absolute (relative ones break on the package index) and those into
    the documentation site name pages the site builds."""
    links = re.findall(r"\]\(([^)]+)\)", README.read_text())
    assert links, "the README links the documentation"
    assert not [link for link in links if "://" not in link], "relative links break on PyPI"
    for link in links:
        if link.startswith(SITE):
            page = link[len(SITE):].split("#")[0].removesuffix(".html")
            assert page in ("", "auto_tutorials/index", "api/index") or (
                README.parent / "docs" / f"{page}.md").exists(), link


def test_every_python_block_runs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("aeon")
    monkeypatch.chdir(tmp_path)  # blocks that write files write them here
    namespace: dict = {"__name__": "__readme__"}
    for i, block in enumerate(python_blocks(README.read_text())):
        try:
            exec(compile(block, f"README.md python block {i + 1}", "exec"), namespace)
        except Exception as err:  # name the block in the failure
            raise AssertionError(f"README python block {i + 1} fails: {err!r}\n{block}") from err
    out = capsys.readouterr().out
    assert "running: 0.8-1.6 Hz raises the score [supported] (3 of 3 methods" in out  # the answer the README promises
    # and the intervention it describes: running rests on the band, standing does not
    assert "running {'accuracy': 1.0, 'kept': 1.0, 'removed': 0.0" in out
    assert "standing {'accuracy': 1.0, 'kept': 1.0, 'removed': 1.0" in out
