"""Sphinx configuration of the freqxai documentation.

Why Sphinx (and not MkDocs Material + mkdocstrings): the libraries freqxai's users already read
(scikit-learn, MNE, aeon, Quantus) document themselves with Sphinx + numpydoc + sphinx-gallery, and
our docstrings are numpydoc. sphinx-gallery executes every ``tutorials/plot_*.py`` at build time and
keeps its figures, so a tutorial that stops working fails the build; autosummary writes one page
per public name from ``__all__``; myst-parser includes the existing Markdown pages unchanged; the
pydata theme is the one those libraries share (client-side search, no server).

Build (one command, from the repository root; fails on any warning)::

    python -m sphinx -W --keep-going -n -b html docs docs/_build/html
    # or: make -C docs html

then ``python docs/check_site.py docs/_build/html`` checks the built pages.
"""

from __future__ import annotations

import importlib
import inspect
import os
import warnings
from pathlib import Path

import freqxai

HERE = Path(__file__).resolve().parent

project = "freqxai"
author = "freqxai developers"
copyright = "freqxai developers"  # noqa: A001
release = freqxai.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_generated", "tutorials/README.rst", "**.ipynb_checkpoints",
                    "auto_tutorials/*.ipynb", "auto_tutorials/*.py", "auto_tutorials/*.zip"]
templates_path = ["_templates"]

# --- API reference ----------------------------------------------------------------------------
# The public modules: the package itself, its first-level modules and packages, and the data
# sets and models (whose package __init__ does not re-export everything). Each name of a module's
# ``__all__`` gets one page; a name re-exported elsewhere (freqxai.FreqRISE is
# freqxai.explainers.FreqRISE) links to the page of its first listing instead of a copy.
PRIVATE_MODULES = {"freqxai.cli", "freqxai.quickstart"}


def public_modules() -> list[str]:
    import pkgutil

    names = ["freqxai"]
    for info in pkgutil.walk_packages(freqxai.__path__, "freqxai."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or info.name in PRIVATE_MODULES:
            continue
        if len(parts) == 2 or (len(parts) == 3 and parts[1] in ("data", "models")):
            if hasattr(importlib.import_module(info.name), "__all__"):
                names.append(info.name)
    return names


def _first_line(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _import(name: str):
    """The object ``name`` (``package.module.Class.attr``) or None."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


# The API reference is grouped by task: one page per group (api/<key>.rst), each with a section
# per module of the group and one page per public name. A module no group names lands in "Other"
# (never dropped). ``freqxai.data.*`` matches the data sets' modules.
API_GROUPS = [
    ("models", "Models and adapters",
     "Load, wrap and train the models freqxai explains: PyTorch, TorchScript, ``torch.export``, "
     "ONNX, Keras, scikit-learn and aeon classifiers, and the networks of the papers.",
     ["freqxai.adapters", "freqxai.convert", "freqxai.models", "freqxai.models.*"]),
    ("domains", "Domains",
     "Where relevance lives: rFFT, STFT, wavelet and time coefficients, their shapes and axes "
     "(see :doc:`/domains` for the frequency axis in Hz).",
     ["freqxai.domains"]),
    ("explainers", "Explainers",
     "The methods (:doc:`/methods` has one equation each), their registry and plug-ins.",
     ["freqxai.explainers", "freqxai.masks", "freqxai.freqig", "freqxai.plugins"]),
    ("metrics", "Metrics and sanity checks",
     "Faithfulness (deletion, insertion), localization, complexity, smoothness, stability, and "
     "the randomization and model-swap tests.",
     ["freqxai.metrics", "freqxai.sanity"]),
    ("summary", "Summary and answer",
     "From relevance to bands per class, the answer with its confidence, and band "
     "interventions.",
     ["freqxai.summary", "freqxai.answer", "freqxai.bands"]),
    ("runner", "Runner and CLI",
     "Runs (what ``freqxai run`` does, from Python), their reports and process settings; the "
     "command line itself is described in :doc:`/commands`.",
     ["freqxai.runner", "freqxai.report", "freqxai.runtime"]),
    ("data", "Data",
     "The synthetic benchmark, audio corpora, UEA/UCR sets, EEG epochs, splits, and series of "
     "unequal length.",
     ["freqxai.data", "freqxai.data.*", "freqxai.ragged"]),
    ("plotting", "Plotting",
     "Relevance over frequency and time, class x band heatmaps and EEG scalp maps.",
     ["freqxai.plotting", "freqxai.topomap"]),
    ("testing", "Testing",
     "Contract checks for plug-in authors and small models with known frequency explanations.",
     ["freqxai.testing"]),
]


def _group_of(modname: str) -> str:
    for key, _title, _text, patterns in API_GROUPS:
        for pattern in patterns:
            if modname == pattern or (pattern.endswith(".*")
                                      and modname.startswith(pattern[:-1])):
                return key
    return "other"


def _is_shared(obj) -> bool:
    """Classes, functions and containers are shared objects; numbers and strings are not."""
    return not isinstance(obj, int | float | str | bool | tuple)


def _autosummary(pages: list[str], toctree: bool = True) -> list[str]:
    """Autosummary tables of full page names, one per module (autosummary's stub generator
    reads each entry relative to the current module, so each table sets its own)."""
    lines: list[str] = []
    runs: list[tuple[str, list[str]]] = []
    for page in pages:
        module, _, name = page.rpartition(".")
        if runs and runs[-1][0] == module:
            runs[-1][1].append(name)
        else:
            runs.append((module, [name]))
    for module, names in runs:
        lines += [f".. currentmodule:: {module}", "", ".. autosummary::"]
        if toctree:
            lines.append("   :toctree: generated")
        lines += ["   :nosignatures:", "", *(f"   {n}" for n in names), ""]
    return lines


def write_api_pages() -> dict[str, str]:
    """Write ``api/index.rst`` (the groups, and what ``import freqxai`` gives) and one page per
    group (``api/<group>.rst``, an autosummary table per module); return every public name
    mapped to the full name of its page.

    Each object is documented once: under the module that defines it when that module is
    public (else under its first listing, in group order), with the short name ``freqxai.X``
    when the top level exports it (the name users type, and the one sphinx-gallery's
    backreferences use); every other listing links to that page."""
    modules = public_modules()
    submodules = [m for m in modules if m != "freqxai"]
    order = {key: i for i, (key, *_rest) in enumerate(API_GROUPS)}
    submodules.sort(key=lambda m: (order.get(_group_of(m), len(order)), modules.index(m)))
    top = {id(getattr(freqxai, n)): f"freqxai.{n}" for n in freqxai.__all__
           if not n.startswith("_") and _is_shared(getattr(freqxai, n))}

    # the home module of every shared object: the public module that defines it, else the first
    home: dict[int, str] = {}
    for modname in submodules:
        mod = importlib.import_module(modname)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if name.startswith("_") or not _is_shared(obj):
                continue
            defined = getattr(obj, "__module__", None) or ""
            current = home.get(id(obj))
            if current is None or (defined.startswith(modname)
                                   and not defined.startswith(current)):
                home[id(obj)] = modname

    pages: dict[str, str] = {}
    documented: dict[int, str] = {}
    sections: dict[str, list[str]] = {}
    for modname in submodules:
        mod = importlib.import_module(modname)
        own, shared, aliases = [], [], []
        for name in mod.__all__:
            if name.startswith("_"):
                continue
            obj = getattr(mod, name)
            full = f"{modname}.{name}"
            if not _is_shared(obj):
                pages[full] = full
                own.append(full)
                continue
            key = id(obj)
            if home[key] == modname and key not in documented:
                page = top.get(key, full)
                documented[key] = page
                pages[full] = page
                own.append(page)
            elif key in documented and documented[key].rpartition(".")[0] == modname:
                pages[full] = documented[key]  # another name for it in this module
                aliases.append(f"``{full}`` is :obj:`{documented[key]}` (an alias).")
            else:
                shared.append((name, full, key))
        sections.setdefault(_group_of(modname), []).append((modname, mod, own, shared, aliases))

    # the listings of objects documented in a module later in the order
    lines_of: dict[str, list[str]] = {}
    for group, items in sections.items():
        lines: list[str] = []
        for modname, _mod, own, shared, aliases in items:
            title = f"``{modname}``"
            lines += [title, "-" * len(title), "", f".. automodule:: {modname}",
                      "   :no-members:", ""]
            # the names ``import freqxai`` also gives first, then the module's own (two tables)
            lines += _autosummary(sorted(own, key=lambda page: page.count(".") > 1))
            also = []
            for _name, full, key in shared:
                page = documented.get(key)
                if page is None:  # listed by a module whose home comes later: document here
                    page = top.get(key, full)
                    documented[key] = page
                    lines += _autosummary([page])
                else:
                    also.append(page)
                pages[full] = page
            if also:  # the same objects, documented under their home module
                lines += [f"Also exported by ``{modname}``:", "", *_autosummary(also, False)]
            lines += [*(f"- {a}" for a in aliases), ""]
        lines_of[group] = lines

    # top-level names whose object no public submodule exports: their own page, grouped by the
    # module that defines them
    leftovers: dict[str, list[str]] = {}
    for name in freqxai.__all__:
        if name.startswith("_"):
            continue
        obj = getattr(freqxai, name)
        full = f"freqxai.{name}"
        if _is_shared(obj) and id(obj) in documented:
            pages[full] = documented[id(obj)]
            continue
        group = _group_of(".".join((getattr(obj, "__module__", None) or "freqxai").split(".")[:2]))
        leftovers.setdefault(group, []).append(full)
        pages[full] = full
        if _is_shared(obj):
            documented[id(obj)] = full
    for group, names in leftovers.items():
        title = "Also at the top level (``import freqxai``)"
        lines_of.setdefault(group, []).extend([title, "-" * len(title), "", *_autosummary(names)])

    groups = [(key, title, text) for key, title, text, _p in API_GROUPS if key in lines_of]
    if "other" in lines_of:
        groups.append(("other", "Other", "Public modules not yet filed under a task."))
    (HERE / "api").mkdir(exist_ok=True)
    files = {}
    for key, title, text in groups:
        files[f"{key}.rst"] = "\n".join([
            ".. Generated by docs/conf.py (API_GROUPS) from the modules' ``__all__``; do not edit.",
            "", title, "=" * len(title), "", text, "", *lines_of[key]])
    index = [
        ".. Generated by docs/conf.py (API_GROUPS) from the modules' ``__all__``; do not edit.",
        "",
        "API reference",
        "=============",
        "",
        "Every public name of freqxai has a page, generated from its numpydoc docstring, with",
        "the tutorials that use it. The names are grouped by task; a name that several modules",
        "export is documented once and linked from each of them.",
        "",
        ".. toctree::",
        "   :maxdepth: 1",
        "   :hidden:",
        "",
        *(f"   {title} <{key}>" for key, title, _text in groups),
        "",
    ]
    for key, title, text in groups:
        index += [f":doc:`{title} <{key}>`", f"   {text}", ""]
    heading = "What ``import freqxai`` gives"
    index += [heading, "-" * len(heading), "",
              "The names of the top level, each documented in its group:", "",
              *_autosummary([pages[f"freqxai.{n}"] for n in freqxai.__all__
                             if not n.startswith("_") and f"freqxai.{n}" in pages], False)]
    files["index.rst"] = "\n".join(index)
    for fname, text in files.items():
        target = HERE / "api" / fname
        if not target.exists() or target.read_text() != text:  # keep incremental builds so
            target.write_text(text)
    for stale in (HERE / "api").glob("*.rst"):  # a group that no longer exists
        if stale.name not in files:
            stale.unlink()
    return pages


API_PAGES = write_api_pages()
# id of every documented object -> the full name of its page (for the aliases below)
DOCUMENTED = {id(_obj): full for full, _obj in (
    (full, _import(full)) for full in set(API_PAGES.values()))}

# every name a page is known by (its public names and where it is defined), for the page's
# "Examples using this" (sphinx-gallery records the name a tutorial used)
_NAMES: dict[str, set[str]] = {}
for _full, _page in API_PAGES.items():
    _NAMES.setdefault(_page, {_page}).add(_full)
for _page, _names in _NAMES.items():
    _obj = _import(_page)
    if getattr(_obj, "__module__", None) and getattr(_obj, "__qualname__", None):
        _names.add(f"{_obj.__module__}.{_obj.__qualname__}")  # sphinx-gallery records this one
autosummary_context = {"freqxai_names": {p: " ".join(sorted(n)) for p, n in _NAMES.items()}}

autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_inherit_docstrings = False  # torch.nn.Module.forward's docstring is not ours
autodoc_typehints = "none"  # the numpydoc Parameters sections state the types (and shapes)
numpydoc_show_class_members = False  # the class template lists the methods itself
numpydoc_class_members_toctree = False
# The types of Parameters / Returns link to the other libraries' pages where intersphinx has their
# inventory (below); "all": no other word of a type becomes a reference (shapes, "or", "optional")
numpydoc_xref_param_type = True  # switched off below when no inventory of python is at hand
numpydoc_xref_ignore = "all"
def _xref(target: str, *names: str) -> dict[str, str]:
    """numpydoc aliases: each name in a type links to ``target`` (a role, so that numpydoc does
    not read a name that maps to itself as an unknown word)."""
    return {name: f":class:`{name} <{target}>`" for name in names}


numpydoc_xref_aliases = {
    **_xref("torch.Tensor", "tensor", "Tensor", "torch.Tensor"),
    **_xref("torch.nn.Module", "nn.Module", "torch.nn.Module", "Module"),
    **_xref("torch.device", "torch.device"),
    **_xref("torch.dtype", "torch.dtype"),
    **_xref("numpy.ndarray", "ndarray", "np.ndarray", "numpy.ndarray"),
    **_xref("numpy.random.Generator", "np.random.Generator", "numpy.random.Generator"),
    **_xref("pandas.DataFrame", "DataFrame", "pd.DataFrame", "pandas.DataFrame"),
    **_xref("mne.Epochs", "Epochs", "mne.Epochs"),
    **_xref("mne.Info", "mne.Info"),
    **_xref("pathlib.Path", "Path", "pathlib.Path"),
    **_xref("matplotlib.axes.Axes", "Axes", "matplotlib.axes.Axes"),
    **_xref("matplotlib.figure.Figure", "Figure", "matplotlib.figure.Figure"),
    **_xref("sklearn.base.BaseEstimator", "sklearn.base.BaseEstimator"),
}

# -n (nitpicky) checks freqxai's own references; names of other libraries in signatures and
# docstrings are linked by intersphinx where an inventory is at hand (below), and never fail the
# build where none is
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(torch|np|numpy|pd|pandas|nn|mne|sklearn|aeon|captum|zennit|h5py|matplotlib|"
               r"plt|scipy|pydantic|onnx|tf|keras|quantus|pathlib|typing|collections|os|"
               r"lightning|L|abc)\b.*"),
    # numpydoc's links for builtin types (int, None, callable, sequence, array_like), resolved
    # only where the python / numpy inventories are at hand
    (r"(py:.*|std:ref|std:term)", r"(python|numpy):.*"),
]

# --- links to other libraries' documentation (intersphinx) --------------------------------------
# CI and the developers' machines have no network, so the build must not depend on fetching
# inventories: a library is linked when its inventory is at hand, as
# docs/_intersphinx/<name>.inv (or in the folder FREQXAI_DOCS_INVENTORIES names), or fetched
# from its site when FREQXAI_DOCS_INTERSPHINX=1 (a build with network, e.g. the published site).
# Without either, references to torch, numpy, ... stay plain code (nitpick_ignore_regex above).
# To keep inventories offline: curl -o docs/_intersphinx/numpy.inv https://numpy.org/doc/stable/objects.inv
INTERSPHINX_SITES = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "scipy": "https://docs.scipy.org/doc/scipy/",
    "torch": "https://docs.pytorch.org/docs/stable/",
    "mne": "https://mne.tools/stable/",
    "sklearn": "https://scikit-learn.org/stable/",
    "pandas": "https://pandas.pydata.org/docs/",
    "matplotlib": "https://matplotlib.org/stable/",
}
INVENTORY_DIR = Path(os.environ.get("FREQXAI_DOCS_INVENTORIES") or HERE / "_intersphinx")
INTERSPHINX_ONLINE = os.environ.get("FREQXAI_DOCS_INTERSPHINX") == "1"
intersphinx_mapping = {}
for _name, _url in INTERSPHINX_SITES.items():
    _local = INVENTORY_DIR / f"{_name}.inv"
    if _local.is_file():
        intersphinx_mapping[_name] = (_url, str(_local))
    elif INTERSPHINX_ONLINE:
        intersphinx_mapping[_name] = (_url, None)
intersphinx_timeout = 10
# numpydoc links builtin types (int, None, callable) to python's inventory: without it they would
# show as "python:int"; the types then stay plain text, as before intersphinx
numpydoc_xref_param_type = "python" in intersphinx_mapping

# --- tutorials (sphinx-gallery) -------------------------------------------------------------------
os.environ.setdefault("FREQXAI_DOCS_BUILD", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings("ignore", message=".*does not have many workers.*")
warnings.filterwarnings("ignore", category=DeprecationWarning, module="lightning.*")

sphinx_gallery_conf = {
    "examples_dirs": ["tutorials"],
    "gallery_dirs": ["auto_tutorials"],
    "filename_pattern": r"/plot_",  # every tutorial runs during the build
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "abort_on_example_error": False,  # run them all, then fail the build naming each one
    "only_warn_on_example_error": False,
    "plot_gallery": "True",
    # "Examples using this" on every API page (the minigallery of _templates/autosummary): which
    # tutorial uses which freqxai name, recorded while the tutorials run
    "doc_module": ("freqxai",),
    "backreferences_dir": "api/backreferences",
    "reference_url": {"freqxai": None},  # link the code of the tutorials to the API pages
}

# --- HTML -----------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"freqxai {release}"
html_static_path = ["_static"]
html_css_files = ["freqxai.css"]  # a content column for 100-column code, figures at legible size
# Equations (methods.md) are typeset by MathJax, from its CDN by default (the published site).
# To read a local build offline: npm install mathjax@3, then
#   FREQXAI_DOCS_MATHJAX=node_modules/mathjax/es5/tex-svg.js make -C docs html
_MATHJAX = os.environ.get("FREQXAI_DOCS_MATHJAX")
if _MATHJAX and Path(_MATHJAX).is_file():
    import shutil

    _local = HERE / "_build" / "mathjax"
    _local.mkdir(parents=True, exist_ok=True)
    shutil.copy2(_MATHJAX, _local / Path(_MATHJAX).name)
    html_static_path.append(str(_local))
    mathjax_path = Path(_MATHJAX).name
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
# the guides sit at the top of the site: they have no section to navigate, so no empty "Section
# Navigation" column takes their width
html_sidebars = {path.stem: [] for path in HERE.glob("*.md") if path.stem != "index"}

myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]
suppress_warnings = ["myst.header"]  # pages start at ## where the README linked into them


def _resolve_alias(app, env, node, contnode):
    """Resolve references by the object they name: ``freqxai.domains.Domain``, ``Domain`` inside
    freqxai.explainers or ``Explainer`` inside freqxai.metrics all link to the one page of that
    object (``freqxai.Domain``). A real but undocumented (private) name is set as code without a
    link; a name that imports nowhere stays a warning, and fails the build."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    module, cls = node.get("py:module") or "", node.get("py:class") or ""
    candidates = [target]
    if cls:
        candidates.append(f"{module}.{cls}.{target}")
    parts = module.split(".")
    candidates += [".".join(parts[:i] + [target]) for i in range(len(parts), 0, -1)]
    # the module the docstring comes from ("...:docstring of freqxai.bands.band_attributions")
    source = str(node.source or "").rpartition("docstring of ")[2].split(":")[0].split(".")
    candidates += [".".join(source[:i] + [target]) for i in range(len(source) - 1, 0, -1)]
    for name in candidates:
        obj = _import(name) if name.startswith("freqxai") else None
        if obj is None:
            continue
        names = name.split(".")
        for i in range(len(names), 0, -1):  # longest prefix that has a page, then the rest
            page = DOCUMENTED.get(id(_import(".".join(names[:i]))))
            if page is not None:
                full = ".".join([page, *names[i:]])
                found = env.get_domain("py").resolve_xref(
                    env, node["refdoc"], app.builder, "obj", full, node, contnode)
                if found is not None:
                    return found
                break
        return contnode  # a real name without a page of its own (private helper)
    return None


# --- the report that reading-a-report.md walks through ------------------------------------------
# Generated at every build from the command that page documents, and shown in the page itself
# (an iframe of the real report.html, not a screenshot): the page can never show another run's
# report. The run folder is kept in _generated/ (ignored by git) between builds; a run whose
# settings or freqxai version changed starts again (the runner refuses to mix them).
REPORT_COMMAND = ["run", "uea", "--name", "BasicMotions"]
REPORT_RUN = HERE / "_generated" / "runs" / "basicmotions"
REPORT_PAGE = HERE / "_generated" / "site" / "report-basicmotions" / "report.html"
REPORT_PAGE.parent.mkdir(parents=True, exist_ok=True)  # (Sphinx checks the path before the run)
html_extra_path = [str(REPORT_PAGE.parent.parent)]  # the site gets report-basicmotions/report.html


def _documented_report(app) -> None:
    """Run ``freqxai run uea --name BasicMotions`` (about 20-40 s on 2 cores) into
    ``_generated/runs/basicmotions`` (kept: a rebuild resumes or reuses it) and copy its
    ``report.html`` (self-contained, figures embedded) into the site."""
    import shutil
    import subprocess
    import sys

    REPORT_RUN.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-c", "import sys; from freqxai.cli import main; sys.exit(main())",
               *REPORT_COMMAND, "--out", str(REPORT_RUN), "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode == 2 and "different settings" in done.stderr:  # an older run: start again
        shutil.rmtree(REPORT_RUN)
        done = subprocess.run(command, capture_output=True, text=True)
    report = REPORT_RUN / "report.html"
    if done.returncode != 0 or not report.is_file():
        raise RuntimeError(f"the documented run failed (freqxai {' '.join(REPORT_COMMAND)}, exit "
                           f"{done.returncode}):\n{done.stderr[-2000:]}")
    REPORT_PAGE.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(report, REPORT_PAGE)


def setup(app):
    app.connect("missing-reference", _resolve_alias)
    app.connect("builder-inited", _documented_report)
