"""The import layering of freqxai (issue 27): no import circles between its modules, and each layer
imports only the layers below it.

Imports are read from the source with ``ast``, inside functions and ``TYPE_CHECKING`` blocks too
(a lazy import is still a dependency: it only moves the circle to run time). A package's
``__init__`` that re-exports its own submodules is not a circle.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import warnings
from functools import cache
from pathlib import Path

import pytest

import freqxai

ROOT = Path(freqxai.__file__).parent  # src/freqxai

# Each layer imports only layers below it: (layer, layers it must never reach). A layer is a
# module or package of freqxai (``"runner.engine"``, ``"adapters"``); "*" is every freqxai module.
# A new layer is one line. Checked through every chain of imports, so a layer cannot reach a
# forbidden one through a module in between either.
LAYER_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("_checks", ("*",)),
    ("adapters", ("_validation", "domains", "explainers", "metrics", "summary", "answer", "report",
                  "runner", "cli")),
    ("domains", ("explainers", "metrics", "runner", "cli")),
    ("explainers", ("metrics", "runner", "cli")),
    ("metrics", ("runner", "cli")),
    ("summary", ("runner", "cli")),
    ("answer", ("runner", "cli")),
    ("runner", ("cli",)),
]

# Rules that in-flight work of issue 27 has yet to make hold (reason; strict: each fails loudly
# once it holds, so its mark is removed then).
PENDING: dict[str, str] = {}  # layer -> why its rule does not hold yet (xfail, strict)
LAYER_RULES.append(("runner.engine", ("report", "runner.report", "runner.html")))


def _module_names() -> dict[str, Path]:
    """Dotted module name -> file, for every module of src/freqxai (packages by their name)."""
    out = {}
    for path in ROOT.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """Module -> the freqxai modules it imports anywhere in its source."""
    modules = _module_names()
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - node.level + 1] + ([node.module] if node.module
                                                                     else [])
                    base = ".".join(parts)
                else:
                    base = node.module or ""
                # `from package import submodule` imports the submodule
                found = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                         for a in node.names]
            else:
                continue
            for target in found:
                while target not in modules and "." in target:
                    target = target.rpartition(".")[0]
                if target in modules and target != name:
                    targets.add(target)
        graph[name] = frozenset(targets)
    return graph


def strongly_connected(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), those of two or more modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def _is_reexport(component: list[str], modules: dict[str, Path]) -> bool:
    """One package's ``__init__`` with its own submodules only."""
    packages = [m for m in component if modules[m].name == "__init__.py"]
    return len(packages) == 1 and all(m == packages[0] or m.startswith(packages[0] + ".")
                                      for m in component)


def _in(module: str, layer: str) -> bool:
    full = f"freqxai.{layer}"
    return module == full or module.startswith(full + ".")


def _chain(graph: dict[str, frozenset[str]], start: str, bad) -> list[str] | None:
    """The shortest import chain from ``start`` to a module for which ``bad`` holds, or None."""
    parents: dict[str, str | None] = {start: None}
    queue = [start]
    for node in queue:
        for child in sorted(graph[node]):
            if child in parents:
                continue
            parents[child] = node
            if bad(child):
                chain = [child]
                while parents[chain[-1]] is not None:
                    chain.append(parents[chain[-1]])
                return chain[::-1]
            queue.append(child)
    return None


# ---- tests -------------------------------------------------------------------------------------


def test_the_import_graph_is_read():
    graph = import_graph()
    assert "freqxai.adapters.wrappers" in graph["freqxai.adapters"]
    assert "freqxai._checks" in graph["freqxai.adapters.wrappers"]
    # an import inside a function counts
    assert "freqxai.data.eeg" in graph["freqxai.explainers.base"]


def test_the_circle_finder_finds_circles_and_spares_reexports():
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}),
             "d": frozenset({"a"})}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    modules = {"p": Path("p/__init__.py"), "p.x": Path("p/x.py"), "q": Path("q.py")}
    assert _is_reexport(["p", "p.x"], modules)
    assert not _is_reexport(["p", "p.x", "q"], modules)


def test_no_import_circles():
    modules = _module_names()
    circles = [" -> ".join(c) for c in strongly_connected(import_graph())
               if not _is_reexport(c, modules)]
    assert not circles, "import circles between freqxai modules:\n" + "\n".join(circles)


def _rule_params():
    for layer, forbidden in LAYER_RULES:
        marks = ([pytest.mark.xfail(reason=PENDING[layer], strict=True)] if layer in PENDING
                 else [])
        yield pytest.param(layer, forbidden, marks=marks, id=layer)


@pytest.mark.parametrize(("layer", "forbidden"), list(_rule_params()))
def test_each_layer_imports_only_layers_below_it(layer, forbidden):
    graph = import_graph()
    members = sorted(m for m in graph if _in(m, layer))
    assert members, f"no module freqxai.{layer}: update LAYER_RULES"

    def bad(module: str) -> bool:
        if _in(module, layer):
            return False
        return "*" in forbidden or any(_in(module, f) for f in forbidden)

    chains = [c for c in (_chain(graph, m, bad) for m in members) if c]
    assert not chains, (f"freqxai.{layer} must not import {', '.join(forbidden)}:\n"
                        + "\n".join(" -> ".join(c) for c in chains))


def test_the_lower_layers_load_no_upper_layer_at_run_time():
    """Importing adapters (with model loading) and the input checks loads no domain, explainer,
    metric or runner module."""
    code = ("import sys, freqxai.adapters.loading, freqxai._validation, freqxai.convert, "
            "freqxai.models.binary\n"
            "up = ('domains', 'explainers', 'metrics', 'summary', 'answer', 'runner', 'report', "
            "'cli')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[:2][-1] in up "
            "and m.startswith('freqxai.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


# ---- the old import paths keep working ---------------------------------------------------------


@pytest.mark.parametrize(("old", "name", "new"), [
    ("freqxai.convert", "load_model", "freqxai.adapters.loading"),
    ("freqxai.convert", "ChannelsLast", "freqxai.adapters.wrappers"),
    ("freqxai.convert", "FixedBatch", "freqxai.adapters.wrappers"),
    ("freqxai.convert", "resolve_factory", "freqxai.adapters.loading.torch_files"),
    ("freqxai.convert", "GlobalAvgPool", "freqxai.adapters.loading.onnx"),
    ("freqxai.convert", "_sniff", "freqxai.adapters.loading.formats"),
    ("freqxai.convert", "_fit_keys", "freqxai.adapters.loading.torch_files"),
    ("freqxai.convert", "_train", "freqxai.adapters.wrappers"),
    ("freqxai.models.binary", "BinaryClassifier", "freqxai.adapters.wrappers"),
    ("freqxai.models", "BinaryClassifier", "freqxai.adapters"),
    ("freqxai", "BinaryClassifier", "freqxai.adapters"),
    ("freqxai", "load_model", "freqxai.adapters.loading"),
    ("freqxai.adapters", "_is_aeon", "freqxai.adapters.wrappers"),
    ("freqxai.explainers.lrp_support", "_graph_kind", "freqxai.adapters.model_runtime"),
    ("freqxai._validation", "check_model", "freqxai.adapters.model_runtime"),
    ("freqxai._validation", "checked_outputs", "freqxai.adapters.model_runtime"),
    ("freqxai._validation", "eval_mode", "freqxai.adapters.model_runtime"),
    ("freqxai._validation", "model_device", "freqxai.adapters.model_runtime"),
    ("freqxai._validation", "compute_dtype", "freqxai.adapters.model_runtime"),
    ("freqxai._validation", "class_scores", "freqxai.adapters.model_runtime"),
    ("freqxai._validation", "channel_mismatch", "freqxai.adapters.model_runtime"),
    ("freqxai._validation", "check_positive_int", "freqxai._checks"),
])
def test_old_import_paths_give_the_moved_objects(old, name, new):
    assert getattr(importlib.import_module(old), name) is getattr(importlib.import_module(new),
                                                                   name)


def test_unknown_names_of_the_shims_raise_attribute_error():
    import freqxai.adapters
    import freqxai.convert

    with pytest.raises(AttributeError, match="_no_such"):
        freqxai.convert._no_such  # noqa: B018
    with pytest.raises(AttributeError, match="no_such"):
        freqxai.adapters.no_such  # noqa: B018


def test_method_support_lives_with_the_explainers():
    from freqxai.explainers import method_support
    from freqxai.explainers.support import method_support as defined

    assert method_support is defined
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        importlib.import_module("freqxai.explainers").method_support  # noqa: B018 - no warning


def test_uea_reads_the_eeg_sets_through_its_registry():
    from freqxai.data import eeg, uea

    [source] = [s for s in uea._FALLBACKS if s.listed_as.startswith("EEG")]
    assert source.names() == eeg.eeg_sets()
