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


def test_deprecated_aliases_import_but_are_not_public_names():
    """Top-level aliases stay importable, out of ``__all__`` and ``dir`` (issue 27)."""
    import freqxai

    explainers = importlib.import_module("freqxai.explainers")
    for name in ("IntegratedGradientsTime", "InDomain"):
        assert name not in freqxai.__all__ and name not in dir(freqxai)
        assert getattr(freqxai, name) is getattr(explainers, name)
    assert {"get_tags", "ExplainerTags", "MetricTags"} <= set(freqxai.__all__)
    assert all(getattr(freqxai, name) is not None for name in freqxai.__all__)


def test_changelog_states_the_policy():
    text = CHANGELOG.read_text()
    assert "## Deprecation policy" in text and "one minor release" in text


# Settings that moved from attribute to the constructor (issue 27): (method, constructor
# settings, the moved keyword and its value); attribute still takes it for one call, warning.
MOVED = [
    ("freqrise", {"n_masks": 16}, "num_cells", 8),
    ("freqrise", {"n_masks": 16}, "use_softmax", False),
    ("flextime", {}, "n_epochs", 3),
    ("freqmask", {}, "keep_ratio", 0.2),
]


@pytest.mark.parametrize(("method", "settings", "name", "value"), MOVED)
def test_a_setting_given_to_attribute_warns_naming_the_constructor(method, settings, name, value):
    from freqxai import get_explainer

    x = torch.randn(2, 1, 64, generator=torch.Generator().manual_seed(0))
    options = {"seed": 0, "warn_if_noise": False} if method == "freqrise" else {}
    model = _model()
    explainer = get_explainer(method, model, **settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = explainer.attribute(x, target=0, **{name: value}, **options)
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    cls = type(explainer).__name__
    assert any(f"{cls}.attribute({name}=" in m and f"{cls}(model, domain, {name}=" in m
               and "0.3.0" in m for m in messages), messages
    assert all(w.filename == __file__ for w in caught
               if issubclass(w.category, DeprecationWarning)), "the warning points at the caller"
    new = get_explainer(method, model, **settings, **{name: value}).attribute(
        x, target=0, **options)
    torch.testing.assert_close(old, new)
    assert getattr(explainer, name) != value  # for that call only


def test_the_library_passes_no_moved_setting_itself():
    """freqxai's own callers (quickstart, the runner's split) give settings to constructors."""
    from freqxai.explainers import explainer_class
    from freqxai.runner.config import make_config

    cfg = make_config(explainer_options={"freqrise": {"estimator": "paper"}})
    for method in ("freqrise", "flextime", "freqmask"):
        init, call = cfg.explainer_settings(method, "fft", 256, seed=0)
        assert not set(call) & explainer_class(method)._moved_to_init, (method, call)
