"""Results of a run: chunk shards while computing, one HDF5 file when done.

Every chunk of work is saved as its own ``.npz`` shard (temporary file, then rename), so an
interrupted run loses at most the chunks in flight. Completed units are merged into
``results.h5``, which is itself rewritten through a temporary copy and a rename: a reader never
sees a half-written file.

Layout of ``results.h5``: attributes (``config`` JSON, versions, seeds, ``fs``, names, ...);
datasets ``X`` (n, channels, time), ``y`` (n,), ``fractions``, ``axes/<domain>/<axis>``; and a
group ``units/<method>__<domain>`` per result with ``relevance`` (n, channels or 1,
*coefficients), the certainty maps and per-input figures, and the metrics (``<metric>``,
``<metric>_curve``).

Series of unequal length add a dataset ``lengths`` (n,): ``X`` holds each series zero-padded
after ``lengths[i]`` (storage only; nothing is computed on the padding), ``axes/...`` are those
of the longest series, and every coefficient-shaped array (``relevance``, ``standard_error``,
``z_score``) is NaN-padded to the largest grid of the run
(:func:`freqxai.ragged.coefficient_grid`): series ``i`` is ``relevance[i][..., :F_i, :T_i]``
with its own coefficient shape, as :meth:`ResultStore.read_relevance` returns it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import h5py
import numpy as np

from .._io import atomic_path

__all__ = ["RESULTS", "shard_path", "save_shard", "load_shard", "ResultStore"]

RESULTS = "results.h5"


def unit_name(method: str, domain: str) -> str:
    return f"{method}__{domain}"


def shard_path(run_dir: Path, method: str, domain: str, chunk: int) -> Path:
    return Path(run_dir) / "shards" / f"{unit_name(method, domain)}__{chunk:05d}.npz"


def save_shard(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)


def load_shard(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as d:
        return {k: d[k] for k in d.files}


class ResultStore:
    """The ``results.h5`` of a run folder.

    Every read names the file when it fails: a damaged file (truncated, not HDF5, a dataset
    missing) raises a ``ValueError`` with its path and the fix (:meth:`damaged`).
    """

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / RESULTS

    def exists(self) -> bool:
        return self.path.is_file()

    def damaged(self, reason: object) -> ValueError:
        """The error for a results file that cannot be read as a run's results."""
        return ValueError(
            f"{self.path} cannot be read ({reason}): it is damaged or not the results of a freqxai "
            f"run; delete the folder {self.run_dir} and run again, or rerun with another --out")

    @contextlib.contextmanager
    def _read(self) -> Iterator[h5py.File]:
        """The file open for reading; any error opening or reading it becomes :meth:`damaged`."""
        try:
            with h5py.File(self.path, "r") as f:
                yield f
        except (OSError, KeyError) as err:  # h5py: truncated or not HDF5; a missing dataset
            raise self.damaged(str(err) or type(err).__name__) from err

    def read_attrs(self) -> dict:
        with self._read() as f:
            return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}

    def read_config(self) -> dict:
        """The run's configuration (the ``config`` attribute, JSON)."""
        config = self.read_attrs().get("config")
        try:
            return json.loads(config)
        except (TypeError, ValueError) as err:
            raise self.damaged("no readable 'config' attribute") from err

    def completed_units(self) -> set[str]:
        if not self.exists():
            return set()
        with self._read() as f:
            return set(f["units"].keys()) if "units" in f else set()

    def write(self, attrs: dict | None = None, data: dict[str, np.ndarray] | None = None,
              units: dict[str, dict[str, np.ndarray]] | None = None,
              unit_attrs: dict[str, dict] | None = None) -> None:
        """Add to the file atomically: copy it, add attributes, data arrays and units, rename."""
        with atomic_path(self.path) as tmp:
            if self.exists():
                shutil.copyfile(self.path, tmp)
            with h5py.File(tmp, "a") as f:
                for k, v in (attrs or {}).items():
                    f.attrs[k] = json.dumps(v) if isinstance(v, dict | list) else (
                        str(v) if isinstance(v, str) else v)
                for k, v in (data or {}).items():
                    if k in f:
                        del f[k]
                    f.create_dataset(k, data=v, compression="gzip" if v.size > 1 << 16 else None)
                units_group = f.require_group("units")
                for name, arrays in (units or {}).items():
                    if name in units_group:
                        del units_group[name]
                    g = units_group.create_group(name)
                    for k, v in arrays.items():
                        g.create_dataset(k, data=v, compression="gzip" if v.size > 1 << 16 else None)
                    for k, v in (unit_attrs or {}).get(name, {}).items():
                        g.attrs[k] = v

    def unit_shapes(self, name: str) -> dict[str, tuple[int, ...]]:
        """Dataset names of a unit and their shapes, without reading the data."""
        with self._read() as f:
            return {k: v.shape for k, v in f["units"][name].items()}

    def read_unit(self, name: str, keys: list[str] | None = None) -> dict[str, np.ndarray]:
        with self._read() as f:
            g = f["units"][name]
            return {k: g[k][()] for k in (keys or g.keys())} | {"_attrs": dict(g.attrs)}

    def read_data(self, key: str) -> np.ndarray:
        with self._read() as f:
            return f[key][()]

    def read_lengths(self) -> np.ndarray | None:
        """Each test series' length for a run on series of unequal length, else None."""
        with self._read() as f:
            return f["lengths"][()] if "lengths" in f else None

    def read_relevance(self, method: str, domain, key: str = "relevance"
                       ) -> np.ndarray | list[np.ndarray]:
        """A unit's relevance (or another coefficient-shaped array, ``key``): the array
        ``(n, channels or 1, *coefficients)``, or for series of unequal length one array per
        series at its own coefficient shape (``domain``: the :class:`~freqxai.domains.Domain`)."""
        from ..ragged import crop_relevance

        data = self.read_unit(unit_name(method, domain.name), [key])[key]
        lengths = self.read_lengths()
        return data if lengths is None else crop_relevance(data, domain, lengths)
