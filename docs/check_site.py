"""Check a built documentation site: ``python docs/check_site.py docs/_build/html``.

Reads the HTML that ``sphinx-build`` wrote and fails (exit 1, one line per problem) when

- a page's ``<img>`` points at a file that is not in the build (a figure a tutorial did not make),
- a page shows a Python traceback or a sphinx-gallery failure (a tutorial that raised),
- a public name (``__all__`` of the modules the API reference lists) has no page or anchor,
- a tutorial page has no figure, or a page the site's index promises is missing,
- the search page or its index is missing.

Standard library only (``html.parser``), so CI can run it right after the build.
"""

from __future__ import annotations

import argparse
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

FAILURE_TEXT = ("Traceback (most recent call last)", "Unexpected failing examples",
                "Error in example", "WARNING: ")
PAGES = ["index.html", "search.html", "api/index.html", "auto_tutorials/index.html",
         "which-method.html", "reading-a-report.html", "changelog.html", "commands.html",
         "own-model.html", "trust.html", "flextime.html", "paper.html", "performance.html"]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img" and a.get("src"):
            self.images.append(a["src"])
        if a.get("id"):
            self.ids.add(a["id"])
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def public_names(api_index: Path) -> list[str]:
    """The full names the API reference lists (the autosummary tables of api/index.rst)."""
    names, module = [], None
    for line in api_index.read_text().splitlines():
        if line.startswith(".. currentmodule:: "):
            module = line.split()[-1]
        elif re.fullmatch(r"   [A-Za-z_][\w.]*", line) and module:
            name = line.strip()
            names.append(name if name.startswith("freqxai.") else f"{module}.{name}")
    return names


def check(build: Path, source: Path) -> list[str]:
    problems: list[str] = []
    pages = sorted(build.rglob("*.html"))
    if not pages:
        return [f"no HTML pages under {build}: build the site first"]
    anchors: set[str] = set()
    for page in pages:
        parser = _Page()
        parser.feed(page.read_text(errors="replace"))
        rel = page.relative_to(build)
        anchors |= parser.ids
        for src in parser.images:
            url = urlparse(src)
            if url.scheme in ("http", "https", "data"):
                continue
            target = (page.parent / unquote(url.path)).resolve()
            if not target.is_file():
                problems.append(f"{rel}: image {src} is missing")
        text = "".join(parser.text)
        for bad in FAILURE_TEXT:
            if bad in text:
                problems.append(f"{rel}: shows {bad!r}")
        if (rel.parts[0] == "auto_tutorials" and rel.name.startswith("plot_")
                and not any("sphx_glr" in s for s in parser.images)):
            problems.append(f"{rel}: a tutorial without a figure")
    for name in PAGES:
        if not (build / name).is_file():
            problems.append(f"{name}: page missing")
    if not (build / "searchindex.js").is_file():
        problems.append("searchindex.js missing: search cannot work")
    else:
        index = (build / "searchindex.js").read_text()
        for word in ("freqrise", "flex", "deletion"):
            if word not in index.lower():
                problems.append(f"searchindex.js does not index {word!r}")
    api = source / "api" / "index.rst"
    if not api.is_file():
        problems.append(f"{api} missing: the API reference was not generated")
    else:
        names = public_names(api)
        if len(names) < 100:
            problems.append(f"only {len(names)} public names in the API reference")
        for name in names:
            if name not in anchors:
                problems.append(f"API: {name} has no page (no anchor id={name!r})")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=Path(__file__).parent / "_build" / "html",
                    type=Path, help="the HTML build folder (default docs/_build/html)")
    args = ap.parse_args(argv)
    problems = check(args.build, Path(__file__).resolve().parent)
    for p in problems:
        print(f"check_site: {p}")
    n = len(list(args.build.rglob("*.html")))
    print(f"check_site: {n} pages, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
