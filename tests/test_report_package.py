"""freqxai.report: the figure registry, the Jinja2 templates (autoescaped), the "what separates
the classes" figure on the first screen, and the older import paths (freqxai.runner.report,
freqxai.runner.html, freqxai.runner.tables)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from freqxai.cli import main
from freqxai.report import figures as figures_module
from freqxai.report.figures import (
    FigureContext,
    get_figure,
    list_figures,
    register_figure,
    write_figures,
)
from freqxai.report.html import _answer_context, _PageFigures, render, template_figures

SCRIPT = "<script>alert(1)</script>"



def _two_tones():
    """Class 0: energy at 3-5 Hz, class 1: at 9-11 Hz (64 samples at 32 Hz)."""
    import torch

    class TwoTones(torch.nn.Module):
        def forward(self, x):
            s = torch.fft.rfft(x, dim=-1).abs()[:, 0]
            low, high = s[:, 6:10].sum(-1), s[:, 18:22].sum(-1)
            return torch.stack([low - high, high - low], -1) / 10

    return TwoTones()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A custom run of two classes explained by band Shapley and gradient x input; the first
    class is named like markup."""
    import torch

    folder = tmp_path_factory.mktemp("report_package")
    rng = np.random.default_rng(0)
    t = np.arange(64) / 32
    y = np.repeat([0, 1], 6)
    X = np.stack([np.sin(2 * np.pi * (4 if c == 0 else 10) * t + rng.uniform(0, 6)) for c in y])
    X = (X[:, None] + 0.3 * rng.standard_normal((len(y), 1, 64))).astype(np.float32)
    batch = torch.export.Dim("batch")
    program = torch.export.export(_two_tones(), (torch.from_numpy(X[:2]),),
                                  dynamic_shapes={"x": {0: batch}})
    torch.export.save(program, folder / "net.pt2")
    np.savez(folder / "data.npz", X=X, y=y, fs=32.0, class_names=np.array([SCRIPT, "b&b"]))
    out = folder / "run"
    rc = main(["run", "custom", "--model", str(folder / "net.pt2"), "--data",
               str(folder / "data.npz"), "--out", str(out), "--methods", "shapley,gxi",
               "--domains", "fft", "--metrics", "complexity", "--no-sanity", "--threads", "1",
               "--quiet"])
    assert rc == 0
    return out


def _tables(run):
    from freqxai.runner.answer import run_answer, run_summary
    from freqxai.runner.store import ResultStore

    store = ResultStore(run)
    table = run_summary(store)
    return store, table, run_answer(store, table)


# -- templates ------------------------------------------------------------------------------------

def test_text_from_the_run_is_escaped_on_the_page(run):
    page = (run / "report.html").read_text()
    assert "<script" not in page  # the class name is text, never markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "b&amp;b" in page


def test_the_templates_escape_method_class_and_warning_text():
    from freqxai.summary import summarize

    rng = np.random.default_rng(0)
    y = np.array([0, 0, 0, 1, 1, 1])
    method = "<img src=x onerror=alert(2)>"
    table = summarize({method: rng.random((6, 1, 33))}, y, domain="fft", length=64, fs=64.0,
                      class_names=[SCRIPT, "b"])
    html = render("answer.html.jinja", answer=_answer_context(table, [SCRIPT]),
                  figs=_PageFigures([]))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>" in html  # the template's own markup


# -- the figure registry --------------------------------------------------------------------------

def test_every_figure_the_templates_place_is_registered_and_every_figure_is_placed():
    placed = template_figures()
    assert placed and placed <= set(list_figures())
    assert set(list_figures()) <= placed  # none of the report's own figures ends in "other"
    assert list_figures()[:2] == ["answer", "separating"]  # drawn first: the first screen


def test_an_unknown_figure_name_raises():
    with pytest.raises(KeyError, match="no figure named 'nope'; registered figures: answer"):
        get_figure("nope")
    with pytest.raises(KeyError, match="nope"):
        _PageFigures([]).one("nope")


def test_registering_is_checked():
    def draw(ctx):
        return []

    with pytest.raises(ValueError, match="needs \\['colour'\\], which no run declares"):
        register_figure("mine", title="mine", needs=("colour",))(draw)
    with pytest.raises(ValueError, match="'answer' is already registered"):
        register_figure("answer", title="another")(draw)
    with pytest.raises(ValueError, match="identifier"):
        register_figure("my figure", title="x")
    assert "mine" not in list_figures()
    spec = get_figure("curves")
    assert spec.caption_for("deletion").startswith("Deletion") and spec.caption_for("other")


def test_a_figure_of_no_registered_name_goes_to_other_figures(run, tmp_path):
    import shutil

    from freqxai.report.html import write_html_report
    from freqxai.report.writer import summary_rows

    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    store, table, answer = _tables(copy)
    figs = list(write_figures(copy, store, table, answer)) + [copy / "answer_fft.png"]
    page = write_html_report(copy, store, summary_rows(store), figs, table, answer).read_text()
    other = page[page.index("<section id='other'>"):]
    assert "1 figures" in other and 'alt="answer_fft"' in other


# -- what separates the classes -------------------------------------------------------------------

def test_the_separating_figure_is_on_the_first_screen(run):
    assert (run / "separating_fft.png").is_file()
    page = (run / "report.html").read_text()
    answer = page[page.index("<section id='answer'>"):page.index("<section id='scores'>")]
    assert answer.count("<img") == 2  # the heatmap, then the separating figure beside it
    assert 'alt="what separates the classes: band Shapley value per class and band' in answer
    assert answer.index('alt="class x band heatmap') < answer.index("What separates the classes")
    assert "(separating_fft.png)" in answer  # its caption names the file


def test_the_separating_figure_needs_two_classes_and_band_shapley(run):
    store, table, answer = _tables(run)
    ctx = FigureContext(run, store, table, answer)
    assert {"summary", "shapley", "classes"} <= ctx.contents
    spec = get_figure("separating")
    assert spec.needs == {"summary", "shapley", "classes"}
    assert [f.path.name for f in spec.draw(ctx)] == ["separating_fft.png"]
    no_shapley = FigureContext(run, store, table[table["method"] != "shapley"], answer)
    assert "shapley" not in no_shapley.contents  # write_figures does not draw it
    first = table["class"].iloc[0]
    one_class = FigureContext(run, store, table[table["class"] == first], answer)
    assert "classes" in one_class.contents  # the run has two classes: the table holds one
    assert spec.draw(one_class) == []  # nothing separates one class
    unrecognised = FigureContext(run, store, table, answer.assign(confidence="none"))
    assert spec.draw(unrecognised) == []  # no answer, no separation: as the table


def test_a_report_without_band_shapley_has_no_separating_figure(run, tmp_path):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    store, table, answer = _tables(copy)
    written = write_figures(copy, store, table[table["method"] != "shapley"], answer)
    assert [f.name for f in written] == ["answer", "examples"]
    assert not (copy / "separating_fft.png").exists()  # the earlier report's file is removed
    assert written.one("separating") is None and written.one("answer").domain == "fft"


# -- the older import paths ------------------------------------------------------------------------

def test_the_older_import_paths_still_work():
    import freqxai.report as report
    from freqxai.report import html, tables, writer
    from freqxai.runner import html as old_html
    from freqxai.runner import report as old_report
    from freqxai.runner import tables as old_tables
    from freqxai.runner import write_report

    assert old_report.summary_rows is writer.summary_rows is report.summary_rows
    assert old_report.metric_columns is tables.metric_columns is old_tables.metric_columns
    assert old_report._answer_figure is figures_module._answer_figure
    assert old_html.write_html_report is html.write_html_report
    assert old_html._answer_rows is html._answer_rows
    assert old_html._sanity_section is html._sanity_section
    assert old_tables.certainty_rows is tables.certainty_rows
    assert old_tables.CERTAINTY_NOTE == tables.CERTAINTY_NOTE
    assert old_report.write_report is writer.write_report is report.write_report
    assert callable(write_report)  # the runner's (it runs the report's)
    with pytest.raises(AttributeError):
        old_html.no_such_name  # noqa: B018


@pytest.mark.parametrize("first", [
    "import freqxai.report",
    "import sys, freqxai.runner; assert 'freqxai.report' not in sys.modules, 'runner -> report'",
    "from freqxai.runner.html import _answer_rows",
    "from freqxai.runner.report import summary_rows",
])
def test_either_package_imports_first(first):
    """No import circle between the runner and the report, whichever is imported first."""
    code = f"{first}\nfrom freqxai.report import write_report\nimport freqxai.runner.report"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).parent, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def test_templates_ship_with_the_package():
    import tomllib

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert "report/templates/*" in project["tool"]["setuptools"]["package-data"]["freqxai"]
    assert any(d.replace(" ", "").startswith("jinja2>=") for d in
               project["project"]["dependencies"])
    folder = root / "src" / "freqxai" / "report" / "templates"
    assert {p.name for p in folder.iterdir()} >= {"report.html.jinja", "style.css"}
    assert set(template_figures()) <= set(list_figures())


def test_the_header_summarises_many_channels():
    import json

    from freqxai.report.html import _channels_header

    eeg = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8", "T7", "T8",
           "P7", "P8", "Fz", "Cz", "Pz", "FC1", "FC2", "CP1", "CP2", "FC5", "FC6", "CP5", "CP6",
           "Oz"]
    assert _channels_header({"channel_names": json.dumps(eeg)}, 28) == \
        "28 EEG channels, 10-20: Fp1 … Oz"
    six = ["acc x", "acc y", "acc z", "gyro x", "gyro y", "gyro z"]
    assert _channels_header({"channel_names": json.dumps(six)}, 6) == ", ".join(six)
    assert _channels_header({}, 3) == "3 channels" and _channels_header({}, 1) == "1 channel"
    many = [f"sensor {i}" for i in range(12)]
    assert _channels_header({"channel_names": json.dumps(many)}, 12) == \
        "12 channels: sensor 0 … sensor 11"
