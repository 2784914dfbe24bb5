"""Check a built documentation site: ``python docs/check_site.py docs/_build/html``.

Reads the HTML that ``sphinx-build`` wrote and fails (exit 1, one line per problem) when

- a page's ``<img>`` points at a file that is not in the build (a figure a tutorial did not make),
- a page shows a Python traceback or a sphinx-gallery failure (a tutorial that raised),
- a public name (``__all__`` of the modules the API reference lists) has no page or anchor,
- a tutorial page has no figure, or a page the site's index promises is missing,
- the search page or its index is missing,
- a relative link (``href``) points at a file, or an ``#anchor`` of a page, that is not in the
  build,

and the legibility rules (issue 28) do not hold at the reference window of 1400 px:

- the site's stylesheet (``_static/freqxai.css``) is missing or a page does not load it;
- **figures**: an image (PNG, JPEG, GIF) is shown at less than ``1 / MAX_DOWNSCALE`` of its
  pixel width. Its displayed width is modelled as the smallest of its pixels, an explicit
  ``width`` (attribute or style, px or % of the column) and the content column; a figure inside
  a ``freqxai-wide`` block scrolls at full size. Matplotlib writes 10 pt text as ~14 px at
  100 dpi, so a downscale of at most 1.3 keeps it above 10 px (and 8 pt tick labels near 9 px);
  gallery thumbnails (links to the full figure) and vector images are exempt;
- **code**: a ``<pre>`` block is wider than the content column (its longest line in monospace
  characters of 0.6 em, plus the block's padding): 100-column code must fit, so a line longer
  than ~100 columns is reported. Exempt: what a tutorial printed (``sphx-glr-script-out``, which
  the stylesheet wraps) and the module source pages of viewcode (``_modules/``).

Links from viewcode's source pages are checked for their file only: viewcode builds their
``#anchor`` from the first documented name of a source module, wrong when one source module's
objects are documented under several public modules (a known Sphinx limitation).

The content column is modelled from the ``--freqxai-*`` values of ``_static/freqxai.css`` (the
window width, its scrollbar, the two sidebars, the article's padding and inset, the code's font
size and padding), so the CSS and this check cannot drift apart; the model matches what headless
Chromium lays out at 1400 px (905 px column). Standard library only (``html.parser``), so CI can
run it right after the build.
"""

from __future__ import annotations

import argparse
import html
import re
import struct
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

FAILURE_TEXT = ("Traceback (most recent call last)", "Unexpected failing examples",
                "Error in example", "WARNING: ")
PAGES = ["index.html", "search.html", "api/index.html", "auto_tutorials/index.html",
         "which-method.html", "reading-a-report.html", "changelog.html", "commands.html",
         "own-model.html", "trust.html", "flextime.html", "paper.html", "performance.html",
         "install.html", "glossary.html", "methods.html", "domains.html", "cite.html"]
CSS = "_static/freqxai.css"
# folders of pages copied into the site as they are (``html_extra_path`` in conf.py: the report
# of the documented run): checked only as link targets
EXTRA_PAGES = ("report-basicmotions",)
ROOT_PX = 16.0  # 1rem
MAX_DOWNSCALE = 1.3  # an image may show at no less than 1 / 1.3 of its pixel width
CHAR_EM = 0.6  # advance width of a monospace character (DejaVu Sans Mono 0.602, Liberation 0.6)
CODE_BORDER_PX = 2.0
NESTED_INDENT_PX = 24.0  # each list, blockquote or admonition a <pre> sits in takes about this
NESTING_TAGS = {"ul", "ol", "dl", "blockquote"}
NESTING_CLASSES = ("admonition", "sphx-glr-script-out")
WRAPPED_PRE_CLASSES = ("sphx-glr-script-out",)  # freqxai.css wraps these (white-space: pre-wrap)
EXEMPT_IMAGE_CLASSES = ("sphx-glr-thumb", "sphx-glr-backref", "logo", "headerlink")
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
             "source", "track", "wbr"}


class Layout:
    """The content column at the reference window, from the site's stylesheet."""

    NAMES = ("viewport", "scrollbar", "sidebar-primary", "sidebar-secondary", "article-padding",
             "article-inset", "article-max-width", "code-font-size", "code-padding")

    def __init__(self, css: str) -> None:
        values = {}
        for name in self.NAMES:
            m = re.search(rf"--freqxai-{name}\s*:\s*([0-9.]+)(px|rem)", css)
            if m is None:
                raise ValueError(f"{CSS} does not set --freqxai-{name} (px or rem)")
            values[name] = float(m.group(1)) * (ROOT_PX if m.group(2) == "rem" else 1.0)
        self.viewport = values["viewport"]
        self.primary = values["sidebar-primary"]
        self.secondary = values["sidebar-secondary"]
        # the column of a page with both sidebars (the narrowest); column_of() for one page
        self.column = (values["viewport"] - values["scrollbar"] - self.primary - self.secondary
                       - 2 * values["article-padding"] - values["article-inset"])
        self.code_font = values["code-font-size"]
        self.code_padding = values["code-padding"]
        # the article container (border box) is capped: its text is that less the paddings
        self.max_column = (values["article-max-width"] - 2 * values["article-padding"]
                           - values["article-inset"])
        self.column = min(self.column, self.max_column)

    def column_of(self, page: _Page) -> float:
        """The content column of one page: the theme leaves out the page's table of contents
        when it has no sections, and the section navigation on the landing page."""
        return min(self.max_column, self.column + (0.0 if page.has_primary else self.primary)
                   + (0.0 if page.has_secondary else self.secondary))

    def columns_that_fit(self, indent: float = 0.0, column: float | None = None) -> int:
        room = ((self.column if column is None else column) - indent
                - 2 * self.code_padding - CODE_BORDER_PX)
        return int(room // (CHAR_EM * self.code_font))


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[dict] = []
        self.links: list[str] = []
        self.stylesheets: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self.pres: list[dict] = []  # {"text": str, "indent": px}
        self._skip = 0
        self._stack: list[tuple[str, str]] = []  # open (tag, class) elements
        self._pre: dict | None = None
        self.has_primary = False  # the section navigation is shown at a wide window
        self.has_secondary = False  # the page's table of contents is shown

    def _classes(self) -> str:
        return " ".join(c for _t, c in self._stack)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        cls = a.get("class", "")
        if tag == "div" and "bd-sidebar-primary" in cls.split():
            self.has_primary = "hide-on-wide" not in cls.split()
        if tag == "div" and "bd-sidebar-secondary" in cls.split():
            self.has_secondary = True
        if tag == "img" and a.get("src"):
            self.images.append({**a, "context": f"{self._classes()} {cls}"})
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "link" and "stylesheet" in a.get("rel", ""):
            self.stylesheets.append(a.get("href", ""))
        if a.get("id"):
            self.ids.add(a["id"])
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "pre" and self._pre is None:
            depth = sum(1 for t, c in self._stack
                        if t in NESTING_TAGS or any(n in c for n in NESTING_CLASSES))
            self._pre = {"text": [], "indent": depth * NESTED_INDENT_PX,
                         "context": self._classes()}
        if tag not in VOID_TAGS:
            self._stack.append((tag, cls))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self._stack and self._stack[-1][0] == tag:
            self._stack.pop()

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag == "pre" and self._pre is not None:
            self.pres.append({**self._pre, "text": "".join(self._pre["text"])})
            self._pre = None
        for i in range(len(self._stack) - 1, -1, -1):  # close up to the matching open tag
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        if self._pre is not None:
            self._pre["text"].append(data)
        if not self._skip:
            self.text.append(data)


def image_width(path: Path) -> int | None:
    """Pixel width of a PNG, JPEG or GIF file (None for other formats, e.g. SVG)."""
    with path.open("rb") as f:
        head = f.read(32)
        if head[:8] == b"\x89PNG\r\n\x1a\n":
            return struct.unpack(">I", head[16:20])[0]
        if head[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<H", head[6:8])[0]
        if head[:2] == b"\xff\xd8":
            f.seek(2)
            while True:
                marker = f.read(2)
                if len(marker) < 2 or marker[0] != 0xFF:
                    return None
                if 0xC0 <= marker[1] <= 0xCF and marker[1] not in (0xC4, 0xC8, 0xCC):
                    f.read(3)
                    height, width = struct.unpack(">HH", f.read(4))
                    return width
                (size,) = struct.unpack(">H", f.read(2))
                f.seek(size - 2, 1)
    return None


def _explicit_width(img: dict, column: float) -> float | None:
    """The width an ``<img>`` asks for (attribute or inline style), in px, or None."""
    candidates = [img.get("width", "")]
    m = re.search(r"(?:^|;)\s*(?:max-)?width\s*:\s*([^;]+)", img.get("style", ""))
    if m:
        candidates.append(m.group(1))
    widths = []
    for value in candidates:
        value = value.strip()
        if m := re.fullmatch(r"([0-9.]+)\s*(px)?", value):
            widths.append(float(m.group(1)))
        elif m := re.fullmatch(r"([0-9.]+)\s*%", value):
            widths.append(column * float(m.group(1)) / 100)
    return min(widths) if widths else None


def check_image(page: Path, img: dict, target: Path, layout: Layout,
                column: float) -> str | None:
    """A problem line when the image shows below legibility, else None."""
    context = img.get("context", "")
    if any(c in context for c in EXEMPT_IMAGE_CLASSES):
        return None
    width = image_width(target)
    if width is None:
        return None
    if "freqxai-wide" in context:  # scrolls sideways at its own size
        return None
    shown = min(float(width), column)
    asked = _explicit_width(img, column)
    if asked is not None:
        shown = min(shown, asked)
    scale = width / shown
    if scale > MAX_DOWNSCALE:
        return (f"image {img['src']} ({width} px wide) shows at ~{shown:.0f} px, scaled down "
                f"{scale:.2f}x (> {MAX_DOWNSCALE}): its text would be ~{13.9 / scale:.1f} px; "
                f"make the figure at most {column * MAX_DOWNSCALE:.0f} px wide (e.g. "
                f"figsize width <= {column * MAX_DOWNSCALE / 100:.1f} in at 100 dpi), "
                "or put it in a freqxai-wide block")
    return None


def check_pre(pre: dict, layout: Layout, column: float) -> str | None:
    if any(c in pre["context"] for c in WRAPPED_PRE_CLASSES):
        return None
    lines = pre["text"].expandtabs(8).splitlines() or [""]
    longest = max(lines, key=len)
    fit = layout.columns_that_fit(pre["indent"], column)
    if len(longest) > fit:
        return (f"code block of {len(longest)} columns does not fit the content column "
                f"({fit} columns at {layout.viewport:.0f} px): {longest.strip()[:60]!r}...")
    return None


def check_link(page: Path, href: str, build: Path, ids: dict[Path, set[str]],
               fragments: bool = True) -> str | None:
    url = urlparse(href)
    if url.scheme or url.netloc or href.startswith(("mailto:", "javascript:", "data:")):
        return None
    if not url.path:  # "#anchor" on this page
        target = page
    else:
        target = (page.parent / unquote(url.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            return f"link {href} points at a file that is not in the build"
    fragment = unquote(url.fragment)
    if fragments and fragment and target.suffix == ".html" and target in ids and fragment not in ids[target]:
        return f"link {href}: no anchor #{fragment} in {target.name}"
    return None


def public_names(api_dir: Path) -> list[str]:
    """The full names the API reference lists (the autosummary tables of api/*.rst)."""
    names = []
    for rst in sorted(api_dir.glob("*.rst")):
        module = None
        for line in rst.read_text().splitlines():
            if line.startswith((".. currentmodule:: ", ".. automodule:: ")):
                module = line.split()[-1]
            elif m := re.fullmatch(r"   ~?([A-Za-z_][\w.]*)", line):
                name = m.group(1)
                if name.startswith("freqxai."):
                    names.append(name)
                elif module:
                    names.append(f"{module}.{name}")
    return list(dict.fromkeys(names))


def check(build: Path, source: Path) -> list[str]:
    problems: list[str] = []
    # the site's pages (not the theme's template fragments under _static)
    pages = sorted(p for p in build.rglob("*.html") if "_static" not in p.relative_to(build).parts)
    if not pages:
        return [f"no HTML pages under {build}: build the site first"]
    css = build / CSS
    layout = None
    if not css.is_file():
        problems.append(f"{CSS} missing: register it in conf.py (html_css_files)")
    else:
        try:
            layout = Layout(css.read_text())
        except ValueError as err:
            problems.append(str(err))
    parsed: dict[Path, _Page] = {}
    anchors: set[str] = set()
    for page in pages:
        parser = _Page()
        parser.feed(page.read_text(errors="replace"))
        parsed[page.resolve()] = parser
        anchors |= parser.ids
    ids = {path: p.ids for path, p in parsed.items()}
    for path, parser in parsed.items():
        rel = path.relative_to(build.resolve())
        source_listing = rel.parts[0] == "_modules"
        for img in parser.images:
            src = img["src"]
            url = urlparse(src)
            if url.scheme in ("http", "https", "data"):
                continue
            target = (path.parent / unquote(url.path)).resolve()
            if not target.is_file():
                problems.append(f"{rel}: image {src} is missing")
            elif layout is not None and (problem := check_image(
                    path, img, target, layout, layout.column_of(parser))):
                problems.append(f"{rel}: {problem}")
        if rel.parts[0] in EXTRA_PAGES:  # copied in as they are (html_extra_path), not Sphinx's
            continue
        text = "".join(parser.text)
        for bad in FAILURE_TEXT:
            if any(not _doctest_output(text, at) for at in _find_all(text, bad)):
                problems.append(f"{rel}: shows {bad!r}")
        if (rel.parts[0] == "auto_tutorials" and rel.name.startswith("plot_")
                and not any("sphx_glr" in img["src"] for img in parser.images)):
            problems.append(f"{rel}: a tutorial without a figure")
        if layout is not None and not source_listing:
            for pre in parser.pres:
                if problem := check_pre(pre, layout, layout.column_of(parser)):
                    problems.append(f"{rel}: {problem}")
        if css.is_file() and rel.name not in ("genindex.html", "py-modindex.html") and not any(
                s.split("?")[0].endswith("freqxai.css") for s in parser.stylesheets):
            problems.append(f"{rel}: does not load {CSS}")
        for href in dict.fromkeys(parser.links):
            if problem := check_link(path, html.unescape(href), build.resolve(), ids,
                                     fragments=not source_listing):
                problems.append(f"{rel}: {problem}")
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
    api = source / "api"
    if not (api / "index.rst").is_file():
        problems.append(f"{api / 'index.rst'} missing: the API reference was not generated")
    else:
        names = public_names(api)
        if len(names) < 100:
            problems.append(f"only {len(names)} public names in the API reference")
        for name in names:
            if name not in anchors:
                problems.append(f"API: {name} has no page (no anchor id={name!r})")
    return problems


def _find_all(text: str, needle: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(needle), text)]


def _doctest_output(text: str, at: int) -> bool:
    """Whether the failure text at ``at`` is the expected output of a docstring example (an
    example that shows an error: ``>>> f(bad)`` then ``Traceback (most recent call last):``),
    not a failure of the build."""
    before = text[max(0, at - 1500):at]
    line = before.rsplit(">>> ", 1)
    return len(line) == 2 and "Traceback (most recent call last)" not in line[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=Path(__file__).parent / "_build" / "html",
                    type=Path, help="the HTML build folder (default docs/_build/html)")
    args = ap.parse_args(argv)
    problems = check(args.build, Path(__file__).resolve().parent)
    for p in problems:
        print(f"check_site: {p}")
    n = sum(1 for p in args.build.rglob("*.html") if "_static" not in p.parts)
    css = args.build / CSS
    if css.is_file():
        try:
            layout = Layout(css.read_text())
            print(f"check_site: content column {layout.column:.0f} px at a {layout.viewport:.0f} px "
                  f"window (both sidebars): code up to {layout.columns_that_fit()} columns, "
                  f"figures up to {layout.column * MAX_DOWNSCALE:.0f} px wide")
        except ValueError:
            pass
    print(f"check_site: {n} pages, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
