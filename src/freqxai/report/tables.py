"""What the tables of a run say, shared by ``results.md`` (:mod:`freqxai.report.writer`) and
``report.html`` (:mod:`freqxai.report.html`): metric columns read from the registry and each
method's own certainty figures.

Both report modules import this one and neither imports the other, so the imports run one way:
``writer -> html -> tables`` and ``writer -> tables``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..runner.compute import CERTAINTY

__all__ = ["CERTAINTY_NOTE", "certainty_rows", "method_settings", "metric_columns"]


def metric_columns(metrics: list[str]) -> list[tuple[str, str, str]]:
    """(column title, result key, direction arrow) of each metric, read from the registry."""
    from ..metrics import metric_class

    cols = []
    for name in metrics:
        cls = metric_class(name)
        cols.append((cls.label, cls.name, "↑" if cls.higher_is_better else "↓"))
    return cols


def method_settings(cfg: dict, length: int, domain: str | None = None, *,
                    forward_flops: float | None = None) -> dict[str, dict[str, Any]] | None:
    """Per method of a run, the settings the run handed its explainer: constructor settings and
    ``attribute`` options together, as :meth:`~freqxai.runner.RunConfig.explainer_settings`
    gives them for the run's configuration ``cfg`` (its ``config`` attribute), signals of
    ``length`` samples and ``domain`` (default: the run's first). The report reads them here
    rather than keeping its own copy of which setting reaches which method.

    None where ``cfg`` cannot be rebuilt into a configuration (a run written by another version
    of freqxai, or a method of a plug-in that is not imported). ``forward_flops``: the run's
    stored ``forward_flops`` attribute (FreqRISE's mask budget follows it).
    """
    from ..runner.config import RunConfig

    try:
        config = RunConfig(**cfg)
        domain = domain or cfg["domains"][0]
        out = {}
        for method in cfg["methods"]:
            init, call = config.explainer_settings(method, domain, length, 0,
                                                   forward_flops=forward_flops)
            out[method] = {**init, **call}
    except (TypeError, ValueError, KeyError):
        return None
    return out


def certainty_rows(rows: list[dict]) -> list[list[str]]:
    """``[method, domain, figure, value]`` per (method, domain): what each method reports about
    its own certainty (:data:`~freqxai.runner.compute.CERTAINTY`); methods with none are exact
    (a gradient: no sampling, no integration), references that do not read the model are marked
    so."""
    from ..explainers import explainer_class, get_tags

    out = []
    for r in rows:
        if get_tags(explainer_class(r["method"])).reference:
            out.append([r["method"], r["domain"], "reference",
                        "does not read the model: a baseline for the scores"])
            continue
        # a figure undefined for every input is still reported (not mistaken for "exact")
        found = [k for k in CERTAINTY if np.isfinite(r.get(k, float("nan")))
                 or r.get(k + "_undefined", 0)]
        for k in found:
            out.append([r["method"], r["domain"], CERTAINTY[k], _certainty_value(r, k)])
        if not found:
            out.append([r["method"], r["domain"], "exact",
                        "deterministic: no sampling or integration error"])
    return out


def _certainty_value(r: dict, k: str) -> str:
    """Mean ± standard error of a per-input figure, its range and worst inputs: a mean near
    the ideal can hide inputs far from it."""
    pct = k != "conservation"
    undefined = int(r.get(k + "_undefined", 0))
    if not np.isfinite(r[k]):
        return f"undefined for all {undefined} inputs"
    if pct:
        text = (f"{100 * r[k]:.2f} % ± {100 * r[k + '_sem']:.2f} %; range "
                f"{100 * r[k + '_min']:.2f}..{100 * r[k + '_max']:.2f} %")
    else:
        text = (f"{r[k]:.4f} ± {r[k + '_sem']:.4f}; range "
                f"{r[k + '_min']:.3g}..{r[k + '_max']:.3g}")
    worst = ", ".join(f"#{i}" for i in str(r.get(k + "_worst", "")).split(";") if i)
    text += f"; worst inputs {worst}" if worst else ""
    return text + (f"; undefined for {undefined} inputs" if undefined else "")


CERTAINTY_NOTE = ("What each method says about its own certainty, mean ± standard error over "
                  "test signals, the range over them and the worst ones (#: the test signal's "
                  "index, as in the figures; farthest from the ideal first): FreqRISE, the share of coefficients more than 3 Monte-Carlo "
                  "standard errors from zero (0.27 % by chance alone; near 0 means the map is "
                  "noise); IG and FLEX, |sum of relevance - (f(x) - f(baseline))| relative to "
                  "f(x) - f(baseline) (the path integral's error; more n_steps lowers it); LRP, "
                  "the bias-free relevance over the target logit (1 when relevance is conserved).")
