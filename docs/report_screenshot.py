"""Regenerate ``docs/report_basicmotions.png``, the report screenshot of reading-a-report.md.

Runs the command that page documents, ``freqxai run uea --name BasicMotions --out
runs/basicmotions`` (about 20 s on 2 CPU cores; aeon's wheel holds the data), in a temporary
folder, then has headless Chromium render the top of its ``report.html`` at 1100 x 1500: at that
width the page shows at >= 0.8 of its pixels in the documentation's content column (~920 px at a
1400 px window, see ``_static/freqxai.css``), so its 13 px text stays above 9 px.

    python docs/report_screenshot.py            # needs chromium (apt-get install chromium)

Not part of the site build: CI machines need not have a browser. Rerun it when the report's
layout or the run's answer changes, and update the numbers reading-a-report.md quotes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WIDTH, HEIGHT = 1100, 1500
COMMAND = ["freqxai", "run", "uea", "--name", "BasicMotions", "--out", "runs/basicmotions"]


def main() -> int:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which(
        "google-chrome")
    if browser is None:
        print("report_screenshot: no chromium on PATH (apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(COMMAND, cwd=tmp, check=True)
        report = Path(tmp) / "runs" / "basicmotions" / "report.html"
        target = HERE / "report_basicmotions.png"
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", f"--window-size={WIDTH},{HEIGHT}",
                        f"--screenshot={target}", report.as_uri()], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"report_screenshot: wrote {target} ({WIDTH} x {HEIGHT})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
