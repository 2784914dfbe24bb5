"""report.html: the answer first, one self-contained page; parsed here, and rendered by headless
Chromium when the machine has it (Debian package ``chromium``)."""

import ast
import base64
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from freqxai.cli import main

SRC = Path(__file__).resolve().parents[1] / "src" / "freqxai"


class _Page(HTMLParser):
    """The page's sections in order: id, first h2 text, text, images (alt, src, folded),
    ``<details>`` count; and every image, link and text of the page."""

    def __init__(self):
        super().__init__()
        self.images, self.links, self.text, self.sections = [], [], [], []
        self.tables, self._details, self._h2, self._cell, self.rows = 0, 0, False, None, {}
        self._table_cls = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        sec = self.sections[-1] if self.sections else None
        if tag == "section":
            self.sections.append({"id": a.get("id"), "h2": "", "text": [], "images": [],
                                  "details": 0})
        elif tag == "details":
            self._details += 1
            if sec:
                sec["details"] += 1
        elif tag == "h2":
            self._h2 = True
        elif tag == "table":
            self.tables += 1
            self._table_cls = a.get("class", "")
            self.rows.setdefault(self._table_cls, [])
        elif tag == "tr":
            self.rows[self._table_cls].append([])
        elif tag == "td":
            self._cell = []
        elif tag == "img":
            image = (a.get("alt", ""), a.get("src", ""), self._details > 0)
            self.images.append(image)
            if sec:
                sec["images"].append(image)
        for key in ("href", "src"):
            if a.get(key) and not a[key].startswith(("data:", "#")):
                self.links.append(a[key])

    def handle_endtag(self, tag):
        if tag == "details":
            self._details -= 1
        elif tag == "h2":
            self._h2 = False
        elif tag == "td" and self._cell is not None:
            self.rows[self._table_cls][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self.sections:
            self.sections[-1]["text"].append(data)
            if self._h2 and not self.sections[-1]["h2"]:
                self.sections[-1]["h2"] = data

    def section(self, sid):
        return next(s for s in self.sections if s["id"] == sid)


@pytest.fixture(scope="module")
def weights():
    path = Path(__file__).resolve().parents[2] / "shared" / "reference-models" / "synth_mlp_0.01.pt"
    if not path.is_file():
        pytest.skip("needs ../shared/reference-models")
    return str(path)


@pytest.fixture(scope="module")
def run(tmp_path_factory, weights):
    out = tmp_path_factory.mktemp("html") / "run"
    rc = main(["run", "synthetic", "--weights", weights, "--out", str(out), "--n-test", "4",
               "--methods", "freqrise,gxi,random", "--domains", "fft,stft", "--n-masks", "20",
               "--quiet"])
    assert rc == 0
    return out


@pytest.fixture(scope="module")
def page(run):
    p = _Page()
    p.feed((run / "report.html").read_text())
    return p


def test_report_is_self_contained_with_every_figure_and_table(run, page):
    assert page.links == []  # no external requests (in-page anchors only)
    pngs = {p.stem for p in run.glob("*.png")}
    # a figure per question, not per method x class: the answer, curves, class maps per domain
    assert pngs == {"answer_fft", "deletion_fft", "insertion_fft", "deletion_stft",
                    "insertion_stft", "examples_fft", "examples_stft", "sanity"}
    assert len(page.images) == len(pngs)
    for _, src, _ in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    # answer, what separates the classes (where the model recognises a class), scores,
    # certainty, settings, provenance
    import pandas as pd

    recognised = (pd.read_csv(run / "answer.csv")["confidence"] != "none").any()
    assert page.tables == 5 + recognised
    if recognised:  # header and the 3 most separating bands
        assert len(page.rows["answer separating"]) == 1 + 3
    text = " ".join(page.text)
    assert "deletion AUC ↓" in text and "insertion AUC ↑" in text and "data SHA-256" in text
    # 20 masks: FreqRISE says its maps are noise, and the report shows the warning
    assert "Monte-Carlo noise" in text


def test_every_link_of_the_page_leads_to_its_section(run):
    html = (run / "report.html").read_text()
    anchors = re.findall(r"href='#(\w+)'", html)
    assert len(anchors) >= 8
    for anchor in anchors:
        assert html.count(f"<section id='{anchor}'>") == 1, anchor
    assert "nothing to split by channel" in html.lower()  # one channel, said so


def test_the_answer_comes_first(run, page):
    answer = page.sections[0]
    assert answer["id"] == "answer" and answer["h2"].startswith("Answer")
    # one row per class, each naming a band in Hz (or DC)
    classes = {str(c) for c in np.unique(__import__("h5py").File(run / "results.h5")["y"][()])}
    rows = page.rows["answer"][1:]
    assert {r[0] for r in rows} == classes
    for r in rows:
        assert re.search(r"Hz|DC", r[1]), r
    # the class x band heatmap is the page's first image, with alt text
    alt, _, folded = page.images[0]
    assert answer["images"] and answer["images"][0][0] == alt and not folded
    assert "class x band heatmap" in alt


FOLDED = [  # (section, fragment of the alt text of images that must be folded, or None)
    ("scores", "curves"),
    ("maps", "class-average relevance"),
    ("certainty", None),
    ("settings", None),
]


@pytest.mark.parametrize("sid, alt", FOLDED, ids=[f[0] for f in FOLDED])
def test_long_sections_fold(page, sid, alt):
    section = page.section(sid)
    assert section["details"] >= 1
    if alt:
        hits = [i for i in section["images"] if alt in i[0]]
        assert hits and all(folded for _, _, folded in hits)


SETTINGS = [  # (id, fragment the settings section must hold)
    ("n_masks", "n_masks"),
    ("n_masks value", "20 (used by freqrise)"),
    ("num_cells", "num_cells [64, 16] = 64 x 16 (freqrise)"),
    ("stft size", "n_fft="),
    ("clipping rule", "clip_negative"),
    ("bands", "summary bands"),
    ("significance", "Bonferroni over the bands"),
]


@pytest.mark.parametrize("fragment", [s[1] for s in SETTINGS], ids=[s[0] for s in SETTINGS])
def test_settings_list_what_the_numbers_depend_on(page, fragment):
    assert fragment in " ".join(page.section("settings")["text"])


def _summary():
    """Two methods and a reference on 64-sample signals at 64 Hz (bands DC, 1-2 .. 16-32 Hz):
    class 0, both methods peak in 4-8 Hz and the reference in 16-32 Hz; class 1, every method's
    relevance is negative."""
    from freqxai.summary import summarize

    rng = np.random.default_rng(0)
    n, bins = 6, 33
    y = np.array([0, 0, 0, 1, 1, 1])
    method = 0.01 * rng.random((n, 1, bins))
    method[y == 0, 0, 5] = 1.0 + 0.1 * rng.random(3)  # 5 Hz
    method[y == 1] = -method[y == 1] - 0.5
    reference = 0.01 * rng.random((n, 1, bins))
    reference[:, 0, 20] = 10.0  # 20 Hz
    return summarize({"freqrise": method, "gxi": method.copy(), "random": reference}, y,
                     domain="fft", length=64, fs=64.0, class_names=["up", "down"])


def test_references_never_count_as_agreement():
    from freqxai.answer import answer
    from freqxai.report.html import _answer_section

    table = _summary()
    rows = answer(table)
    up, down = rows.to_dict("records")
    assert (up["band"], up["methods"], up["n_counted"]) == ("4-8 Hz", "freqrise, gxi", 2)
    assert up["significant_for"] == "freqrise, gxi"
    assert up["reference_bands"] == "random: 16-32 Hz"  # shown apart, never in the agreement
    # every method's relevance is negative for "down": the band that lowers it most is named
    assert down["direction"] == "lowers" and down["band"]
    section, domain = _answer_section(table, [], [], rows)
    page = _Page()
    page.feed(section)
    header, *cells = page.rows["answer"]
    assert domain == "fft" and header == []  # (the header row has th cells only)
    agree = 4  # class, band, confidence, why, methods that name it
    assert "methods that name it" in section
    assert "random" not in cells[0][agree] and cells[0][agree] == "2 of 2: freqrise, gxi"
    assert "lowers the score" in cells[1][1] and "random: 16-32 Hz" in cells[0][-1]


IMPORTS = [  # (module, module it must not import): the report's modules import one way
    ("report/html.py", "writer"),
    ("report/figures.py", "writer"),
    ("report/figures.py", "html"),
    ("report/tables.py", "writer"),
    ("report/tables.py", "html"),
    ("report/tables.py", "figures"),
]


@pytest.mark.parametrize("module, forbidden", IMPORTS, ids=[f"{m} !-> {f}" for m, f in IMPORTS])
def test_report_modules_import_one_way(module, forbidden):
    tree = ast.parse((SRC / module).read_text())
    imported = {node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.level == 1}
    assert forbidden not in imported


def test_curves_tell_methods_apart():
    from freqxai.plotting import new_figure, plot_curves

    fig, ax = new_figure()
    x = np.linspace(0, 1, 5)
    same = 1 - x  # two methods with the same curve still show both markers
    plot_curves(ax[0, 0], x, {"ig": same, "flex": same, "random": x}, "f", "p",
                references={"random"}, labels={"ig": "ig (AUC 0.5)"})
    ig, flex, random = ax[0, 0].get_lines()
    assert ig.get_label() == "ig (AUC 0.5)"
    assert ig.get_marker() != flex.get_marker() and ig.get_color() != flex.get_color()
    assert random.get_linestyle() == "--" and random.get_marker() in (None, "None", "")
    assert ig.get_linestyle() == flex.get_linestyle() == "-"


def test_heatmap_takes_a_shared_scale_and_marks_significant_cells():
    from freqxai.plotting import new_figure, plot_channel_band_heatmap

    fig, ax = new_figure()
    m = np.array([[0.2, np.nan], [0.5, -0.1]])
    sig = np.array([[True, False], [False, True]])
    plot_channel_band_heatmap(ax[0, 0], m, ["a", "b"], ["x", "y"], limit=1.0, significant=sig)
    assert ax[0, 0].images[0].get_clim() == (-1.0, 1.0)  # not this panel's own maximum
    dots = ax[0, 0].collections[0].get_offsets()
    assert sorted(map(tuple, np.asarray(dots))) == [(0.0, 0.0), (1.0, 1.0)]  # (band, row)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_chromium_shows_the_answer_on_the_first_screen(run, tmp_path):
    """At 1400 x 900 the answer table and the whole heatmap are visible without scrolling."""
    probe = ("<script>window.addEventListener('load',()=>{const r=document.querySelector("
             "'#answer img').getBoundingClientRect();document.title='BOTTOM='+Math.round(r.bottom)"
             "+' H='+document.documentElement.scrollHeight})</script></body>")
    page = tmp_path / "probe.html"
    page.write_text((run / "report.html").read_text().replace("</body>", probe))
    args = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,900"]
    dom = subprocess.run(args + ["--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120, check=False).stdout
    found = re.search(r"BOTTOM=(\d+) H=(\d+)", dom)
    assert found, dom[-500:]
    assert int(found.group(1)) <= 900
    shot = tmp_path / "first.png"
    subprocess.run(args + [f"--screenshot={shot}", (run / "report.html").as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert shot.is_file() and shot.stat().st_size > 20_000  # a rendered page, not a blank one
