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

Per-signal datasets of more than 65,536 values are gzip-compressed in chunks of whole rows (about
:data:`H5_CHUNK_BYTES` each), so that what reads them a slice of rows at a time
(:class:`StoredRows`, :mod:`freqxai._stream`) decompresses each chunk once. Shards are merged into
the file one shard at a time (:meth:`ResultStore.write_shards`): the merge holds one shard, not
the unit.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import h5py
import numpy as np

from .._io import atomic_path

__all__ = ["RESULTS", "shard_path", "save_shard", "load_shard", "ResultStore", "StoredRows"]

RESULTS = "results.h5"
# Bytes of one HDF5 chunk of a compressed per-signal dataset (whole rows: a slice of rows
# decompresses only the chunks it needs)
H5_CHUNK_BYTES = 1 << 20
COMPRESS_ABOVE = 1 << 16  # values: a dataset of more is gzip-compressed


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


def _shard_headers(path: Path) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Shape and dtype of every array of a shard (``np.savez``), read from the headers alone."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for member in z.namelist():
            with z.open(member) as fh:
                version = np.lib.format.read_magic(fh)
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                        else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read(fh)
            out[member.removesuffix(".npy")] = (tuple(shape), np.dtype(dtype))
    return out


def _dataset_options(shape: tuple[int, ...], dtype: np.dtype) -> dict:
    """Compression and chunks of a dataset: gzip above :data:`COMPRESS_ABOVE` values, in chunks
    of whole rows of about :data:`H5_CHUNK_BYTES`."""
    size = int(np.prod(shape, dtype=np.int64))
    if size <= COMPRESS_ABOVE or not shape:
        return {}
    row = int(np.prod(shape[1:], dtype=np.int64)) * np.dtype(dtype).itemsize
    rows = max(1, min(int(shape[0]), H5_CHUNK_BYTES // max(row, 1)))
    return {"compression": "gzip", "chunks": (rows, *shape[1:])}


def _create_dataset(group: h5py.Group, key: str, v: np.ndarray) -> None:
    v = np.asarray(v)
    if v.dtype.kind in "OUS":  # strings: h5py's own layout
        group.create_dataset(key, data=v)
        return
    group.create_dataset(key, data=v, **_dataset_options(v.shape, v.dtype))


def _flush(ds: h5py.Dataset, pending: list[np.ndarray], written: dict[str, int], key: str,
           last: bool) -> None:
    """Write the rows waiting for dataset ``ds`` that fill whole chunks (all of them if
    ``last``), from row ``written[key]`` on; keep the rest waiting."""
    rows = sum(len(a) for a in pending)
    step = ds.chunks[0] if ds.chunks else 1
    take = rows if last else rows - rows % step
    if take <= 0:
        return
    block = pending[0] if len(pending) == 1 else np.concatenate(pending)
    start = written[key]
    ds[start:start + take] = block[:take]
    written[key] = start + take
    pending[:] = [block[take:]] if take < rows else []


class StoredRows:
    """One per-signal dataset of ``results.h5`` (its first axis: the test signals), read a slice
    of rows at a time: ``rows[lo:hi]`` opens the file, reads those rows and closes it.

    ``crop`` (optional) turns the rows read into what the caller reads, given the array and the
    slice: one array per series at its own length or coefficient shape for series of unequal
    length (:meth:`ResultStore.relevance_rows`, :meth:`ResultStore.signal_rows`).
    """

    def __init__(self, store: ResultStore, path: str,
                 crop: Callable[[np.ndarray, slice], list[np.ndarray]] | None = None) -> None:
        self.store = store
        self.path = path
        self.crop = crop
        with store._read() as f:
            ds = f[path]
            self.shape: tuple[int, ...] = tuple(ds.shape)
            self.dtype = ds.dtype

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def ragged(self) -> bool:
        """Rows come back as one array per series (series of unequal length)."""
        return self.crop is not None

    def __getitem__(self, index: slice) -> np.ndarray | list[np.ndarray]:
        if not isinstance(index, slice):
            raise TypeError(f"StoredRows reads slices of rows, got {index!r:.40}")
        index = slice(*index.indices(len(self)))
        with self.store._read() as f:
            a = f[self.path][index]
        return a if self.crop is None else self.crop(a, index)

    def chunks(self, row_bytes: float | None = None
               ) -> Iterator[tuple[slice, np.ndarray | list[np.ndarray]]]:
        """``(slice, rows)`` over every row in order, :func:`freqxai._stream.chunk_rows` rows at a
        time (``row_bytes``: the bytes one row takes to process; default its float64 size)."""
        from .._stream import float64_row_bytes, row_chunks

        for sl in row_chunks(len(self), row_bytes or float64_row_bytes(self.shape)):
            yield sl, self[sl]


class ResultStore:
    """The ``results.h5`` of a run folder.

    Every read names the file when it fails: a damaged file (truncated, not HDF5, a dataset
    missing) raises a ``ValueError`` with its path and the fix (:meth:`damaged`).

    Examples
    --------
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from freqxai.runner import ResultStore
    >>> store = ResultStore("run")              # the results.h5 of the folder run
    >>> store.path.name, store.exists()
    ('results.h5', False)

    A run writes it; reading works the same on any run's folder:

    >>> Path("run").mkdir()
    >>> store.write(attrs={"config": {"dataset": "synthetic"}}, data={"y": np.array([0, 1, 1])},
    ...             units={"flex__fft": {"relevance": np.zeros((3, 1, 129))}})
    >>> store.read_config(), store.completed_units(), store.read_data("y").tolist()
    ({'dataset': 'synthetic'}, {'flex__fft'}, [0, 1, 1])
    >>> store.rows("units/flex__fft/relevance")[0:2].shape    # a slice of rows, read from disk
    (2, 1, 129)
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
                    _create_dataset(f, k, v)
                units_group = f.require_group("units")
                for name, arrays in (units or {}).items():
                    if name in units_group:
                        del units_group[name]
                    g = units_group.create_group(name)
                    for k, v in arrays.items():
                        _create_dataset(g, k, v)
                    for k, v in (unit_attrs or {}).get(name, {}).items():
                        g.attrs[k] = v

    def write_shards(self, units: dict[str, list[Path]],
                     unit_attrs: dict[str, dict] | None = None) -> None:
        """Add units from their shards atomically (copy, write, rename), the shards of each unit
        in order along the first axis: each unit's datasets are made at their final shape from
        the shards' headers, then filled one shard at a time, so the merge holds one shard in
        memory, never a whole unit."""
        with atomic_path(self.path) as tmp:
            if self.exists():
                shutil.copyfile(self.path, tmp)
            with h5py.File(tmp, "a") as f:
                units_group = f.require_group("units")
                for name, paths in units.items():
                    # the unit's shapes and dtypes from the shards' headers (the first one's
                    # arrays), one shard at a time
                    layout = _shard_headers(paths[0])
                    for path in paths[1:]:
                        header = _shard_headers(path)
                        for k, ((rows, *rest), known) in layout.items():
                            shape, dtype = header[k]
                            if tuple(rest) != shape[1:]:
                                raise ValueError(f"the shards of {name} hold {k} of shapes "
                                                 f"{tuple(rest)} and {shape[1:]} per row: they "
                                                 "cannot be merged")
                            layout[k] = ((rows + shape[0], *rest), np.result_type(known, dtype))
                    if name in units_group:
                        del units_group[name]
                    g = units_group.create_group(name)
                    datasets = {k: g.create_dataset(k, shape=shape, dtype=dtype,
                                                    **_dataset_options(shape, dtype))
                                for k, (shape, dtype) in layout.items()}
                    # rows wait in a buffer per dataset until they fill whole HDF5 chunks: each
                    # compressed chunk is written once (at most a chunk and a shard per dataset
                    # wait in memory)
                    pending: dict[str, list[np.ndarray]] = {k: [] for k in datasets}
                    written = dict.fromkeys(datasets, 0)
                    for path in paths:
                        part = load_shard(path)
                        for k, ds in datasets.items():
                            pending[k].append(part[k])
                            _flush(ds, pending[k], written, k, last=False)
                        del part
                    for k, ds in datasets.items():
                        _flush(ds, pending[k], written, k, last=True)
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

    def data_shape(self, key: str) -> tuple[int, ...]:
        """The shape of dataset ``key`` (``X``: signals, channels, samples), without reading it."""
        with self._read() as f:
            return tuple(f[key].shape)

    def rows(self, path: str) -> StoredRows:
        """Dataset ``path`` (``y``, ``units/<unit>/deletion_curve``, ...) read a slice of rows at
        a time (:class:`StoredRows`)."""
        return StoredRows(self, path)

    def signal_rows(self) -> StoredRows:
        """The test signals ``X`` a slice at a time: arrays ``(rows, channels, time)``, or for
        series of unequal length one ``(channels, length_i)`` array per series."""
        lengths = self.read_lengths()
        if lengths is None:
            return StoredRows(self, "X")
        return StoredRows(self, "X", lambda a, sl: [
            a[i, :, :int(n)] for i, n in enumerate(lengths[sl])])

    def relevance_rows(self, method: str, domain, key: str = "relevance") -> StoredRows:
        """:meth:`read_relevance` a slice of rows at a time (:class:`StoredRows`)."""
        from ..ragged import crop_relevance

        path = f"units/{unit_name(method, domain.name)}/{key}"
        lengths = self.read_lengths()
        if lengths is None:
            return StoredRows(self, path)
        return StoredRows(self, path, lambda a, sl: crop_relevance(a, domain, lengths[sl]))

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
