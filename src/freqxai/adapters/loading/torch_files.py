"""torch's own formats: state dicts (``weights_only=True``, into the module a factory builds),
``torch.export`` programs (``.pt2``) and whole pickled modules only with ``trust_pickle=True``
(unpickling runs code from the file). TorchScript is read with ``torch.jit.load`` by
:func:`~freqxai.adapters.loading.load_model`."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..wrappers import FixedBatch
from ._common import _few, _fixed_batch_warning, _one_line, _refuse_factory


def _export_input_shape(module: nn.Module) -> tuple[int | None, ...] | None:
    """The input shape a ``torch.export`` graph was traced with (None for a dynamic axis); None
    for other modules and graphs with several inputs."""
    if not isinstance(module, torch.fx.GraphModule):
        return None
    inputs = [node for node in module.graph.nodes if node.op == "placeholder"]
    value = inputs[0].meta.get("val") if len(inputs) == 1 else None
    if not isinstance(value, torch.Tensor) or value.dim() == 0:
        return None
    return tuple(d if isinstance(d, int) else None for d in value.shape)


def _from_exported(module: nn.Module, source: str
                   ) -> tuple[nn.Module, tuple[int | None, ...] | None]:
    """A ``torch.export`` graph, in :class:`FixedBatch` when its batch is static (its guards
    refuse every other batch size: 'Guard failed: x.size()[0] == 1')."""
    shape = _export_input_shape(module)
    if not shape:
        return module, None
    if shape[0] is not None:
        _fixed_batch_warning(source, shape[0])
        module = FixedBatch(module, shape[0], input_shape=shape[1:])
    return module, shape[1:]


def _from_torch_file(path: Path, model_factory: Any, trust_pickle: bool) -> nn.Module:
    """A state dict (``weights_only=True``) into ``model_factory()``, or a pickled module only
    with ``trust_pickle``."""
    import pickle

    if trust_pickle:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=False)  # the user's opt-in
        except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, KeyError, IndexError,
                UnicodeDecodeError, OverflowError, MemoryError) as err:  # garbage fails so
            raise ValueError(f"{path} is not a readable torch file ({type(err).__name__}: "
                             f"{_one_line(err)})") from err
    else:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as err:
            # torch words every refusal alike; a refused global is a pickled object, anything
            # else (an unknown opcode, a truncated stream) an unreadable file
            if "global" not in str(err).lower():
                raise ValueError(f"{path} is not a readable torch file (not a state dict, "
                                 "TorchScript or torch.export archive)") from err
            raise ValueError(
                f"{path} holds a pickled Python object (e.g. a whole module); loading it runs code "
                "from the file. If you trust the file, pass trust_pickle=True (--trust-pickle); "
                "better, save model.state_dict() and give the class (--model-factory "
                "package.module:Name), or save TorchScript / torch.export"
            ) from err
        except (RuntimeError, EOFError, OSError, KeyError, IndexError, UnicodeDecodeError) as err:
            # random bytes read as a pickle stream fail in any of these (a KeyError for an
            # unknown memo entry, an IndexError for an empty stack)
            raise ValueError(f"{path} is not a readable torch file ({type(err).__name__}: "
                             f"{_one_line(err)})") from err
    if isinstance(obj, nn.Module):
        _refuse_factory(model_factory, path, f"a whole pickled module ({type(obj).__name__})")
        return obj.eval()
    state = _state_dict_in(obj, path)
    if model_factory is None:
        raise ValueError(f"{path} holds a state dict: give the module to load it into with "
                         "model_factory='package.module:Name' (--model-factory)")
    module = resolve_factory(model_factory)()
    if not isinstance(module, nn.Module):
        raise ValueError(f"model_factory returned a {type(module).__name__}, not an nn.Module")
    state = _fit_keys(state, module, path)
    # a module built on the meta device has no storage to copy into: it takes the file's tensors
    on_meta = any(t.is_meta for t in module.state_dict().values())
    try:
        module.load_state_dict(state, assign=on_meta)
    except RuntimeError as err:
        raise ValueError(f"the weights in {path} do not fit {type(module).__name__}: "
                         f"{_one_line(err)}") from err
    return module.eval()


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, dict) and all(isinstance(v, torch.Tensor) for v in obj.values())


def _state_dict_in(obj: Any, path: Path) -> dict:
    """The state dict ``obj`` is, or the one it holds (Lightning's ``state_dict``, or the only
    state dict of a checkpoint dict)."""
    if _is_state_dict(obj):
        return obj
    if isinstance(obj, dict):
        if _is_state_dict(obj.get("state_dict")) and obj["state_dict"]:
            return obj["state_dict"]  # a Lightning checkpoint
        # (a tensor has no truth value: test the entries' type and size, never `if v`)
        nested = [k for k, v in obj.items() if _is_state_dict(v) and len(v) > 0]
        if len(nested) == 1:
            return obj[nested[0]]  # {"epoch": 3, "model_state_dict": {...}, "optimizer": ...}
        if nested:
            raise ValueError(f"{path} holds several state dicts ({', '.join(map(repr, nested))}):"
                             " save the model's alone (torch.save(model.state_dict(), path))")
        tensors = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
        if tensors:  # a state dict with bookkeeping beside the tensors ({"epoch": 3, ...})
            others = [str(k) for k in obj if k not in tensors]
            which = ("1 entry that is not a tensor" if len(others) == 1
                     else f"{len(others)} entries that are not tensors")
            warnings.warn(f"{path.name}: ignored {which} ({_few(others)}); loaded its "
                          f"{len(tensors)} tensors as the state dict", UserWarning, stacklevel=5)
            return tensors
    raise ValueError(f"{path} holds a {type(obj).__name__}, not a state dict or a module")


def _prefixes(longer: set[str], shorter: set[str]) -> list[str]:
    """The prefixes ``p`` (ending in '.') such that the keys of ``longer`` that start with ``p``,
    with ``p`` removed, are exactly ``shorter``."""
    if not shorter:
        return []
    probe = min(shorter)
    found: list[str] = []
    for key in sorted(longer):
        if key.endswith("." + probe):
            p = key[: len(key) - len(probe)]
            if p not in found and {k[len(p):] for k in longer if k.startswith(p)} == shorter:
                found.append(p)
    return found


def _fit_keys(state: dict, module: nn.Module, path: Path) -> dict:
    """``state`` with its keys fitted to ``module``'s: as they are, with one prefix removed or
    added (with a warning), else a ``ValueError`` listing what does not fit."""
    own = module.state_dict()
    want, have = set(own), set(state)
    name = type(module).__name__
    if have == want:
        return _check_shapes(state, own, path, name)
    strip = _prefixes(have, want)
    add = [p for p in _prefixes(want, have) if all(k.startswith(p) for k in want)]
    if len(strip) + len(add) > 1:
        raise ValueError(
            f"the weights in {path} fit {name} with any of the prefixes "
            f"{', '.join(map(repr, strip + add))} removed or added: save the state dict of the "
            "one submodule you mean (torch.save(model.<submodule>.state_dict(), path))"
        )
    if strip:
        p = strip[0]
        rest = sorted(k for k in have if not k.startswith(p))
        warnings.warn(
            f"{path.name}: removed the prefix {p!r} from its keys to fit {name}"
            + (f"; ignored {len(rest)} entries outside it ({_few(rest)})" if rest else ""),
            UserWarning, stacklevel=5,
        )
        return _check_shapes({k[len(p):]: v for k, v in state.items() if k.startswith(p)},
                             own, path, name)
    if add:
        p = add[0]
        warnings.warn(f"{path.name}: added the prefix {p!r} to its keys to fit {name}",
                      UserWarning, stacklevel=5)
        return _check_shapes({p + k: v for k, v in state.items()}, own, path, name)
    missing, unexpected = sorted(want - have), sorted(have - want)
    lead = hint = ""
    heads = {k.split(".", 1)[0] + "." for k in have if "." in k}
    if len(heads) == 1 and all("." in k for k in have):
        head = next(iter(heads))  # every key in the file carries it: compare without it
        stripped = {k[len(head):] for k in have}
        if len(want ^ stripped) < len(missing) + len(unexpected):
            missing, unexpected = sorted(want - stripped), sorted(stripped - want)
            lead = f"after removing the prefix {head!r} that all its keys carry, "
            hint = "; check that model_factory builds the model the file was saved from"
    problems = [f"{len(missing)} missing key(s): {_few(missing)}" if missing else "",
                f"{len(unexpected)} unexpected key(s): {_few(unexpected)}" if unexpected else ""]
    raise ValueError(f"the weights in {path} do not fit {name}: {lead}"
                     f"{'; '.join(p for p in problems if p)}{hint}")


def _check_shapes(state: dict, own: dict, path: Path, name: str) -> dict:
    wrong = [k for k in sorted(own) if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if wrong:
        shown = ", ".join(f"{k} (file {tuple(state[k].shape)}, model {tuple(own[k].shape)})"
                          for k in wrong[:3])
        more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
        raise ValueError(f"the weights in {path} do not fit {name}: {len(wrong)} tensor(s) of "
                         f"another shape: {shown}{more}")
    return state


def resolve_factory(spec: str | Callable[[], nn.Module]) -> Callable[[], nn.Module]:
    """A callable from ``"package.module:Name"`` (imported from an installed package or the
    working directory) or a callable passed through."""
    if callable(spec):
        return spec
    if not isinstance(spec, str) or spec.count(":") != 1 or not all(spec.split(":")):
        raise ValueError(f"model_factory must be 'package.module:Name' or a callable, got {spec!r}")
    import importlib
    import sys

    module_name, attr = spec.split(":")
    if "" not in sys.path and "." not in sys.path:
        sys.path.append(".")  # the user's own module in the working directory, as `python -m`
    try:
        obj = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"cannot import {spec!r}: {err}") from err
    if not callable(obj):
        raise ValueError(f"{spec!r} is not a class or function")
    return obj
