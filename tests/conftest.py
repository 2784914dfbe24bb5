from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(autouse=True)
def _seed_and_threads():
    torch.manual_seed(0)
    yield


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available (../shared is absent)")
    return path


def run_units(run_dir) -> dict:
    """Every completed unit of a run folder: ``{unit: {dataset: array}}``."""
    from freqxai.runner.store import ResultStore

    store = ResultStore(run_dir)
    return {u: {k: v for k, v in store.read_unit(u).items() if k != "_attrs"}
            for u in sorted(store.completed_units())}


def assert_same_units(a: dict, b: dict) -> None:
    """Two runs' units are bit-identical (and not empty)."""
    assert a.keys() == b.keys() and a
    for u in a:
        for k in a[u]:
            np.testing.assert_array_equal(a[u][k], b[u][k], err_msg=f"{u}/{k}")


@pytest.fixture
def isolated():
    """Registrations of the test (plug-ins, overrides) are undone after it
    (:func:`freqxai.testing.isolated_registries`)."""
    from freqxai.testing import isolated_registries

    with isolated_registries():
        yield
