"""Every public class and function shows a runnable example, and every example runs.

The public names are those the API reference documents (``docs/conf.py``'s ``public_modules``:
each public module's ``__all__``). Each object's docstring holds an ``Examples`` section with at
least one ``>>>`` line, and its examples run as doctests: self-contained (imports included),
small (a few signals, a tiny model), with outputs printed where they state a fact worth checking
(a shape, a known band). An example that needs an optional extra skips when the extra is absent.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import inspect
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]

# Objects whose examples need an optional extra: the modules to find first.
NEEDS = {
    "freqxai.adapters.loading.onnx": ("onnxruntime",),
    "freqxai.adapters.loading.keras": ("keras",),
    "freqxai.topomap": ("mne",),
    "freqxai.data.eeg": ("mne", "aeon_neuro"),
    "freqxai.data.uea": ("aeon",),
    "freqxai.metrics.quantus_adapter": ("quantus",),
}


def _public_modules() -> list[str]:
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        spec = importlib.util.spec_from_file_location("_docs_conf", ROOT / "docs" / "conf.py")
        conf = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(conf)
        return conf.public_modules()
    finally:
        sys.path.remove(str(ROOT / "docs"))


def _public_objects() -> dict[str, object]:
    """``module.name`` of each public class and function (each object once, under the first
    public module that lists it)."""
    seen: set[int] = set()
    out: dict[str, object] = {}
    for modname in _public_modules():
        mod = importlib.import_module(modname)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if name.startswith("_") or not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            out[f"{modname}.{name}"] = obj
    return out


OBJECTS = _public_objects()


def _examples(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    head, _, rest = doc.partition("\nExamples\n--------\n")
    return rest if _ else ""


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_has_an_example(name):
    assert ">>>" in _examples(OBJECTS[name]), (
        f"{name}: its docstring has no 'Examples' section with a '>>>' line")


def _tests(name: str, obj: object) -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(recurse=False)
    module = inspect.getmodule(obj)
    globs = {"__name__": f"freqxai_example_{name}"}
    return [t for t in finder.find(obj, name, module=module, globs=globs) if t.examples]


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_example_runs(name, tmp_path, monkeypatch):
    obj = OBJECTS[name]
    module = getattr(obj, "__module__", "") or ""
    for prefix, extras in NEEDS.items():
        if module.startswith(prefix) or name.startswith(prefix):
            for extra in extras:
                pytest.importorskip(extra)
    tests = _tests(name, obj)
    if not tests:
        pytest.skip("no example (test_has_an_example reports it)")
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    torch.manual_seed(0)
    np.random.seed(0)  # noqa: NPY002  (examples may draw from the legacy global generator)
    lines: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for test in tests:
            runner.run(test, out=lines.append)
    result = runner.summarize(verbose=False)
    if result.failed:
        pytest.fail(f"{name}: {result.failed} of {result.attempted} example lines failed\n"
                    + "".join(lines)[-4000:], pytrace=False)
