"""Work-arounds for other packages' import-order bugs, applied when ``freqxai`` is imported."""

from __future__ import annotations

import sys
from importlib.util import find_spec

TRITON_AFTER_TENSORFLOW = (
    "TensorFlow was imported before triton; loading triton now (torchvision, zennit, lightning "
    "and onnx2pytorch do) would crash the interpreter: TensorFlow >= 2.20 loads its LLVM "
    "globally (tensorflow/tensorflow#124205). Import freqxai before tensorflow or keras."
)


def _installed(name: str) -> bool:
    try:
        return find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def triton_import_would_crash() -> bool:
    """Whether TensorFlow is loaded and an installed triton is not (importing it would segfault)."""
    return "tensorflow" in sys.modules and "triton" not in sys.modules and _installed("triton")


def load_triton_before_tensorflow() -> None:
    """Load triton now when TensorFlow is installed but not loaded yet (60 ms).

    TensorFlow >= 2.20 wheels load their statically linked LLVM with ``RTLD_GLOBAL``; a later
    ``import triton`` (done lazily by torch, torchvision, zennit and lightning, all of which
    freqxai uses) binds to it and segfaults (tensorflow/tensorflow#124205). Loading triton first
    avoids that, as POT does. A no-op without TensorFlow or triton (e.g. CPU-only torch wheels).
    """
    if "triton" in sys.modules or "tensorflow" in sys.modules:
        return
    if _installed("tensorflow") and _installed("triton"):
        try:
            import triton  # noqa: F401
        except Exception:  # a broken triton install must not break `import freqxai`
            pass


load_triton_before_tensorflow()
