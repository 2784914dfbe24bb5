"""The deprecation policy (CHANGELOG.md): every deprecated alias still works, warns
``DeprecationWarning`` naming its replacement, and is listed in the changelog with the release
that removes it."""

from __future__ import annotations

import importlib
import re
import warnings
from pathlib import Path

import pytest
import torch

CHANGELOG = Path(__file__).resolve().parents[1] / "CHANGELOG.md"


def _model():
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 3)).eval()


def _use_ig_time():
    from freqxai import IntegratedGradients, IntegratedGradientsTime

    assert isinstance(IntegratedGradientsTime(_model()), IntegratedGradients)


def _use_in_domain():
    from freqxai import LRP, InDomain

    assert InDomain(LRP(_model()), "fft").domain.name == "fft"


def _use_time_explainer():
    explainers = importlib.import_module("freqxai.explainers")
    from freqxai.explainers import GradientExplainer

    assert explainers.TimeExplainer is GradientExplainer


# (name as the changelog's table writes it, replacement named in the warning, a use of it)
ALIASES = [
    ("freqxai.IntegratedGradientsTime", "IntegratedGradients", _use_ig_time),
    ("freqxai.InDomain", "domain=", _use_in_domain),
    ("freqxai.explainers.TimeExplainer", "GradientExplainer", _use_time_explainer),
]


@pytest.mark.parametrize(("name", "replacement", "use"), ALIASES)
def test_alias_warns_and_works(name, replacement, use):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        use()
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    short = name.rpartition(".")[2]
    assert any(short in m and replacement in m for m in messages), (name, messages)


@pytest.mark.parametrize("name", [a.values[0] if hasattr(a, "marks") else a[0] for a in ALIASES])
def test_changelog_says_when_each_alias_goes(name):
    table = CHANGELOG.read_text()
    row = next((line for line in table.splitlines() if line.startswith(f"| `{name}")), None)
    assert row is not None, f"CHANGELOG.md's Deprecated table has no row for {name}"
    assert re.search(r"\| \d+\.\d+\.\d+ \|$", row), f"no removal release in: {row}"


def test_changelog_states_the_policy():
    text = CHANGELOG.read_text()
    assert "## Deprecation policy" in text and "one minor release" in text
