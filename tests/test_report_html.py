"""report.html: one self-contained page; parsed here, and rendered by headless Chromium when the
machine has it (Debian package ``chromium``)."""

import base64
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from freqxai.cli import main


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.tables, self.rows, self.links, self.text = [], 0, 0, [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src", ""))
        if tag == "table":
            self.tables += 1
        if tag == "tr":
            self.rows += 1
        for key in ("href", "src"):
            if a.get(key) and not a[key].startswith("data:"):
                self.links.append(a[key])

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def run(tmp_path_factory, weights):
    out = tmp_path_factory.mktemp("html") / "run"
    rc = main(["run", "synthetic", "--weights", weights, "--out", str(out), "--n-test", "4",
               "--methods", "freqrise,gxi,random", "--domains", "fft,stft", "--n-masks", "20",
               "--quiet"])
    assert rc == 0
    return out


@pytest.fixture(scope="module")
def weights():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "shared" / "reference-models" / "synth_mlp_0.01.pt"
    if not path.is_file():
        pytest.skip("needs ../shared/reference-models")
    return str(path)


def test_report_is_self_contained_with_every_figure_and_table(run):
    page = _Page()
    page.feed((run / "report.html").read_text())
    assert page.links == []  # no external requests
    pngs = [p for p in run.glob("*.png")]
    assert len(page.images) == len(pngs) > 5
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.tables == 3  # scores, signal to noise, provenance
    text = " ".join(page.text)
    assert "deletion AUC ↓" in text and "insertion AUC ↑" in text and "data SHA-256" in text
    # 20 masks: FreqRISE says its maps are noise, and the report shows the warning
    assert "Monte-Carlo noise" in text


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_chromium_renders_the_report(run, tmp_path):
    shot = tmp_path / "report.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
         "--window-size=1200,1600", (run / "report.html").resolve().as_uri()],
        capture_output=True, timeout=120, check=False)
    assert shot.is_file() and shot.stat().st_size > 20_000  # a rendered page, not a blank one
