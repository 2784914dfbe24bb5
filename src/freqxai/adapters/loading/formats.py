"""What format a model file holds: read from its content (zip members, ONNX's protobuf header,
HDF5's and pickle's magic bytes); its extension decides only when the content is not recognised,
and a file whose content and extension disagree is loaded as what it holds, with a warning
naming both."""

from __future__ import annotations

import warnings
from pathlib import Path

# The formats of model files, by what the extension claims.
_BY_SUFFIX = {".onnx": "ONNX", ".pt2": "torch.export", ".pt": "torch", ".pth": "torch",
              ".ckpt": "torch", ".bin": "torch", ".keras": "Keras", ".h5": "Keras"}
# What each claim admits without a warning: torch's own formats share .pt/.pth.
_ADMITS = {"torch": {"torch", "TorchScript", "torch.export"}}
_DESCRIPTION = {"ONNX": "an ONNX model", "torch.export": "a torch.export program",
                "TorchScript": "TorchScript", "torch": "a torch.save file (state dict or pickle)",
                "Keras": "a Keras model"}
_SUFFIX_FOR = {"ONNX": ".onnx", "torch.export": ".pt2", "TorchScript": ".pt", "torch": ".pt",
               "Keras": ".keras"}


def _sniff(path: Path) -> str | None:
    """The format of a model file by its content: 'ONNX', 'TorchScript', 'torch.export',
    'torch' (``torch.save``: a state dict or a pickle), 'Keras', or None when not recognised."""
    import zipfile

    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "Keras"  # HDF5, Keras' .h5 format
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
        except (zipfile.BadZipFile, OSError):
            return None
        inner = {n.split("/", 1)[-1] for n in names}  # torch's archives hold one top folder
        if "constants.pkl" in inner or any(n.startswith("code/") for n in inner):
            return "TorchScript"
        if inner & {"archive_format", "serialized_exported_program.json"} \
                or any(n.startswith("models/") and n.endswith(".json") for n in inner):
            return "torch.export"
        if "data.pkl" in inner:
            return "torch"
        if "config.json" in inner and inner & {"metadata.json", "model.weights.h5"}:
            return "Keras"
        return None
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "torch"  # a pickle: torch.save's legacy format
    if len(head) >= 2 and head[0] == 0x08 and 0 < head[1] < 0x80:
        return "ONNX"  # protobuf field 1 (ir_version), which ONNX writers put first
    return None


def _file_format(path: Path) -> str:
    """The format ``path`` holds, warning when its extension claims another one."""
    suffix = path.suffix.lower()
    claimed = _BY_SUFFIX.get(suffix)
    found = _sniff(path)
    if found is None and claimed is None:
        raise TypeError(
            f"unsupported model file {path.name!r}: its content is none of TorchScript, a "
            "torch.export program, a torch.save state dict, ONNX or Keras, and its extension "
            "names none of .pt/.pth/.ckpt, .pt2, .onnx, .keras, .h5"
        )
    if found is not None and claimed is not None and found not in _ADMITS.get(claimed, {claimed}):
        warnings.warn(
            f"{path.name} holds {_DESCRIPTION[found]} by its content, not {_DESCRIPTION[claimed]} "
            f"as its extension {suffix!r} says: loading it as {found}; rename it to "
            f"{path.stem}{_SUFFIX_FOR[found]} to silence this warning",
            UserWarning, stacklevel=3,
        )
    return found or claimed
