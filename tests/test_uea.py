"""Real data bundled in aeon's wheel (the ``uea`` extra); skips without aeon."""

import numpy as np
import pytest
import torch

pytest.importorskip("aeon")

from freqxai import FreqRISE  # noqa: E402
from freqxai.data.uea import bundled_sets, load_uea  # noqa: E402
from freqxai.models.cnn import SmallCNN  # noqa: E402


def test_basicmotions_loads_offline_with_its_metadata():
    names = bundled_sets()
    assert {"BasicMotions", "GunPoint"} <= set(names)
    # every listed set is a classification set: aeon's regression sets are left out
    assert "CardanoSentiment" not in names and "Covid3Month" not in names
    train, test = load_uea("BasicMotions", "train"), load_uea("BasicMotions", "test")
    assert train.X.shape == test.X.shape == (40, 6, 100) and train.X.dtype == np.float32
    assert train.class_names == test.class_names == ["badminton", "running", "standing", "walking"]
    assert np.bincount(test.y).tolist() == [10, 10, 10, 10]
    assert train.fs == 10.0 and len(train.channel_names) == 6
    with pytest.raises(ValueError, match="not bundled"):
        load_uea("FordA")
    with pytest.raises(ValueError, match="split"):
        load_uea("BasicMotions", "validation")


def test_freqrise_defaults_are_stable_on_a_real_model():
    from freqxai.explainers.freqrise import top_jaccard
    from freqxai.models.training import fit_classifier

    train, test = load_uea("BasicMotions", "train"), load_uea("BasicMotions", "test")
    model = SmallCNN(6, 4)
    fit_classifier(model, (train.X, train.y), epochs=60, batch_size=8, seed=0,
                   accelerator="cpu", progress=False)
    x = torch.from_numpy(test.X[::4])
    a = FreqRISE(model.eval(), "fft", n_masks=1000).attribute(x, seed=0, warn_if_noise=False)
    b = FreqRISE(model, "fft", n_masks=1000).attribute(x, seed=1, warn_if_noise=False)
    assert top_jaccard(a.flatten(1).double(), b.flatten(1).double()).mean() >= 0.7


def test_freqrise_finds_the_stride_frequency_of_running_and_walking():
    """With each channel's mean removed the CNN must read the motion: the class-mean FreqRISE
    spectrum (defaults, 1000 masks) peaks at the data's own stride frequency (the peak of the
    class's amplitude spectrum, 1.1 Hz running, 0.7 Hz walking), and so does the largest band."""
    from freqxai import band_attributions
    from freqxai.models.training import fit_classifier

    train, test = load_uea("BasicMotions", "train"), load_uea("BasicMotions", "test")
    center = lambda X: X - X.mean(-1, keepdims=True)  # noqa: E731
    model = SmallCNN(6, 4)
    fit_classifier(model, (center(train.X), train.y), epochs=60, batch_size=8, seed=0,
                   accelerator="cpu", progress=False)
    freqs = np.fft.rfftfreq(test.X.shape[-1], 1 / test.fs)
    for name in ("running", "walking"):
        k = list(test.class_names).index(name)
        x = torch.from_numpy(center(test.X[test.y == k]))
        amplitude = torch.fft.rfft(x).abs().sum(1).mean(0)
        stride = freqs[int(amplitude.argmax())]
        rel = FreqRISE(model.eval(), "fft", n_masks=1000).attribute(x, target=k, seed=0).sum(1)
        assert abs(freqs[int(rel.mean(0).argmax())] - stride) < 0.15, name
        bands, names = band_attributions(rel, freqs, axis=1, reduce="mean")
        lo, hi = (float(v) for v in names[int(bands.mean(0).argmax())].removesuffix(" Hz").split("-"))
        assert lo <= stride <= hi, (name, stride, names)


# ---- issue 25: the documented classifiers fit load_uea's data -----------------------------------

KNN = "aeon.classification.distance_based:KNeighborsTimeSeriesClassifier"


def _subset(ds, n):
    """The first ``n`` series of a split (a padded set keeps its lengths)."""
    from dataclasses import replace

    keep = np.sort(np.concatenate([np.flatnonzero(ds.y == c)[: max(1, n // len(ds.class_names))]
                                   for c in np.unique(ds.y)]))
    lengths = None if ds.lengths is None else ds.lengths[keep]
    return replace(ds, X=ds.X[keep], y=ds.y[keep], lengths=lengths)


# (id, set, classifier, series to train on)
ESTIMATORS = [
    ("KNN on BasicMotions", "BasicMotions", KNN, 40),
    ("KNN on JapaneseVowels (unequal lengths)", "JapaneseVowels", KNN, 45),
    ("LogisticRegression on BasicMotions", "BasicMotions", "sklearn.linear_model:LogisticRegression",
     40),
]


@pytest.mark.parametrize("name, classifier, n", [c[1:] for c in ESTIMATORS],
                         ids=[c[0] for c in ESTIMATORS])
def test_documented_classifiers_fit_float32_uea_data_and_explain(tmp_path, name, classifier, n):
    from freqxai.runner import RunConfig
    from freqxai.runner.sources.uea import fit_estimator as _fit_estimator
    from freqxai.runner.tasks import _accuracy

    train, test = _subset(load_uea(name, "train"), n), _subset(load_uea(name, "test"), 8)
    assert train.X.dtype == np.float32
    cfg = RunConfig(dataset="uea", name=name, classifier=classifier, out=str(tmp_path / "out"))
    model, _, _ = _fit_estimator(cfg, train)
    acc = _accuracy(model, test.X, test.y, test.lengths)
    assert 0 <= acc <= 1
    series = test.series()
    x = series if isinstance(series, list) else series[:4]
    relevance = FreqRISE(model, n_masks=16).attribute(x[:4], target=0, seed=0)
    assert all(r.dtype == np.float32 for r in relevance)


def test_a_classifier_whose_fit_raises_is_named_in_one_line(tmp_path, monkeypatch, capsys):
    from freqxai.cli import main

    (tmp_path / "failing_classifier.py").write_text(
        "from sklearn.base import BaseEstimator, ClassifierMixin\n\n\n"
        "class Failing(ClassifierMixin, BaseEstimator):\n"
        "    def fit(self, X, y):\n"
        "        raise RuntimeError('cannot fit: out of licences')\n\n"
        "    def predict_proba(self, X):\n"
        "        raise AssertionError\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "run"
    rc = main(["run", "uea", "--name", "BasicMotions", "--classifier", "failing_classifier:Failing",
               "--n-test", "2", "--methods", "random", "--domains", "fft", "--quiet",
               "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("freqxai: error: classifier 'failing_classifier:Failing' failed to fit")
    assert "RuntimeError: cannot fit: out of licences" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_a_scikit_learn_classifier_runs_from_the_cli(tmp_path, capsys):
    from freqxai.cli import main

    rc = main(["run", "uea", "--name", "BasicMotions", "--classifier",
               "sklearn.linear_model:LogisticRegression", "--n-test", "2", "--methods", "random",
               "--domains", "fft", "--metrics", "complexity", "--quiet", "--out",
               str(tmp_path / "run")])
    assert rc == 0, capsys.readouterr().err
