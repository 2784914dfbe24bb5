"""ONNX graphs (a ``.onnx`` file or an ``onnx.ModelProto``) converted to torch with
``onnx2pytorch``.

``onnx2pytorch`` (0.6.0, 2026) converts the exports of today's ``torch.onnx.export`` (TorchScript
and dynamo), with gradients, which FLEX and the gradient baselines need; ``onnx2torch`` (1.5.15,
last released 2024) fails on opset 18/19 operators (``Constant``, ``ReduceMean``). Operators that
LRP's rules do not know are replaced by their torch equivalents (:class:`GlobalAvgPool`); a graph
that reads a fixed batch only is wrapped in :class:`~freqxai.adapters.FixedBatch`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..._compat import TRITON_AFTER_TENSORFLOW, triton_import_would_crash
from ..wrappers import FixedBatch
from ._common import _fixed_batch_warning, _one_line

_ONNX_HINT = 'ONNX models need the "onnx" extra: pip install "freqxai[onnx]"'


class GlobalAvgPool(nn.AdaptiveAvgPool1d):
    """Mean over every axis after the channel axis, kept as size 1 (ONNX ``GlobalAveragePool``).

    A subclass of :class:`torch.nn.AdaptiveAvgPool1d`, so Zennit's composites give it their
    average-pooling rule; onnx2pytorch's own module has none (LRP was 34 % off through it).
    """

    def __init__(self) -> None:
        super().__init__(1)

    def forward(self, x):
        flat = super().forward(x.flatten(2))
        return flat.reshape(*x.shape[:2], *([1] * (x.dim() - 2)))


# onnx2pytorch module class name -> torch equivalent that LRP rules know
_ONNX_EQUIVALENTS = {"GlobalAveragePool": GlobalAvgPool}


def _torch_equivalents(module: nn.Module) -> nn.Module:
    """Replace the onnx2pytorch modules of ``_ONNX_EQUIVALENTS`` by their torch equivalents."""
    for name, child in list(module.named_children()):
        cls = type(child)
        if cls.__module__.startswith("onnx2pytorch") and cls.__name__ in _ONNX_EQUIVALENTS:
            setattr(module, name, _ONNX_EQUIVALENTS[cls.__name__]())
        else:
            _torch_equivalents(child)
    return module


def _onnx_input_shape(proto: Any) -> tuple[int | None, ...] | None:
    """The shape of the graph's one input (None for a named or unknown axis); None when the
    graph reads several inputs or states no shape."""
    initialized = {t.name for t in proto.graph.initializer}  # old exports list weights as inputs
    inputs = [i for i in proto.graph.input if i.name not in initialized]
    if len(inputs) != 1 or not inputs[0].type.tensor_type.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
                 for d in inputs[0].type.tensor_type.shape.dim)


def _batch_is_free(module: nn.Module, shape: tuple[int | None, ...], n: int) -> bool:
    """Whether ``module``, declared for a batch of ``n``, gives on ``n + 1`` inputs what it gives
    ``n`` at a time (onnx2pytorch often ignores the declared batch; a constant reshape does not)."""
    if any(d is None for d in shape):
        return False  # nothing to try it on: treat the batch as fixed
    x = torch.randn((n + 1, *shape), generator=torch.Generator().manual_seed(0))
    try:
        with torch.no_grad():
            whole, pieces = module(x), FixedBatch(module, n)(x)
    except Exception:  # fails on another batch size, or on its own: keep the declared batch
        return False
    return (isinstance(whole, torch.Tensor) and isinstance(pieces, torch.Tensor)
            and whole.shape == pieces.shape and torch.allclose(whole, pieces, rtol=1e-4, atol=1e-5))


def _from_onnx_proto(proto: Any, source: str = "the ONNX model"
                     ) -> tuple[nn.Module, tuple[int | None, ...] | None]:
    """The converted module (in :class:`FixedBatch` when the graph reads a fixed batch only) and
    the input shape the graph declares after the batch axis."""
    if triton_import_would_crash():
        raise RuntimeError(TRITON_AFTER_TENSORFLOW)
    try:
        from onnx2pytorch import ConvertModel
    except ImportError as err:
        raise ImportError(_ONNX_HINT) from err
    if not proto.graph.node or not proto.graph.output:
        raise ValueError(f"{source} is not an ONNX model: it holds no graph (expected an ONNX "
                         "ModelProto, as written by torch.onnx.export or onnx.save)")
    try:
        module = _torch_equivalents(ConvertModel(proto, experimental=False)).eval()
    except Exception as err:  # an operator onnx2pytorch lacks, a malformed graph
        raise ValueError(f"onnx2pytorch cannot convert {source}: {type(err).__name__}: "
                         f"{_one_line(err)}") from err
    shape = _onnx_input_shape(proto)
    if not shape:
        return module, None
    if shape[0] is not None and not _batch_is_free(module, shape[1:], shape[0]):
        _fixed_batch_warning(source, shape[0])
        module = FixedBatch(module, shape[0])  # onnx2pytorch may read other lengths: no check
    return module, shape[1:]
