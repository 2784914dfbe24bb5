"""Fitted scikit-learn/aeon classifiers from files: ``.skops`` (skops' secure format), and
pickles (``.joblib``/``.pkl``) only with ``trust_pickle=True``: freqxai never unpickles a file
without the user's explicit opt-in."""

from __future__ import annotations

from pathlib import Path

from torch import nn

from ..wrappers import EstimatorModel, is_estimator
from ._common import _one_line

_ESTIMATOR_SUFFIXES = (".skops", ".joblib", ".pkl", ".pickle")


def _load_estimator(path: Path, trust_pickle: bool) -> nn.Module:
    """A fitted scikit-learn/aeon classifier from ``path``, as an
    :class:`~freqxai.adapters.EstimatorModel`.

    ``.skops`` files (skops' secure format) load without running code when every type they hold
    is one skops trusts; others are listed and loaded only with ``trust_pickle=True`` (after the
    user checked them). ``.joblib``/``.pkl`` are pickles: loaded only with ``trust_pickle=True``.
    """
    if path.suffix.lower() == ".skops":
        try:
            import skops.io as sio
        except ImportError as err:
            raise ImportError("reading .skops files needs skops: pip install 'freqxai[sklearn]'"
                              ) from err
        try:
            untrusted = sio.get_untrusted_types(file=path)
        except Exception as err:  # not a skops archive
            raise ValueError(f"cannot read {path} as a skops file ({type(err).__name__}: "
                             f"{_one_line(err)}); expected a file written by skops.io.dump") from err
        in_main = [t for t in untrusted if t.startswith("__main__.")]
        if in_main:  # defined in the script that saved the file: nothing can import them back
            raise ValueError(
                f"{path} holds types defined in the script that saved it ({', '.join(in_main[:4])}"
                f"{' ...' if len(in_main) > 4 else ''}): no other program can import them, so the "
                "file cannot be loaded. Define them in an importable module (e.g. mytransforms.py "
                "beside the script: from mytransforms import MyTransformer), fit and save again")
        if untrusted and not trust_pickle:
            raise ValueError(
                f"{path} holds types skops does not trust by default: {', '.join(untrusted[:8])}"
                f"{' ...' if len(untrusted) > 8 else ''}; loading them can run their code. Check "
                "them (skops.io.get_untrusted_types) and rerun with --trust-pickle "
                "(trust_pickle=True) to load them")
        estimator = sio.load(path, trusted=untrusted or None)
    else:
        if not trust_pickle:
            raise ValueError(
                f"{path} is a pickle ({path.suffix}): loading it runs code from the file. Save the "
                "classifier with skops (skops.io.dump(clf, 'clf.skops')), or rerun with "
                "--trust-pickle (trust_pickle=True) if you trust the file")
        import pickle

        try:
            import joblib

            estimator = joblib.load(path)
        except ImportError:
            with open(path, "rb") as fh:
                estimator = pickle.load(fh)  # trusted by the caller (trust_pickle=True)
    if not is_estimator(estimator):
        raise TypeError(f"{path} holds a {type(estimator).__name__}, not a fitted classifier with "
                        "predict_proba or decision_function")
    return EstimatorModel(estimator)
