"""Atomic file output: results are written to a temporary file beside the target, then renamed."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "ensure_writable_dir", "write_csv", "write_markdown_table"]


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``path`` atomically, on error it is removed.

    Examples
    --------
    >>> with atomic_path("model.pt") as tmp:
    ...     torch.save(state, tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def ensure_writable_dir(path: str | Path, name: str = "output folder") -> Path:
    """Create ``path`` if needed and check that files can be written there.

    Raises
    ------
    ValueError
        Naming the folder when it cannot be created or written.
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as err:
        raise ValueError(f"{name} {str(path)!r} is not writable: {err.strerror or err}") from err
    return path


def write_csv(path: str | Path, rows: list[dict]) -> Path:
    """Write dict rows (keys of the first row as columns) atomically."""
    import csv

    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_markdown_table(path: str | Path, header: list[str], cells: list[list[str]],
                         preamble: str = "", postscript: str = "") -> Path:
    """Write a markdown table (after an optional preamble paragraph, before an optional
    postscript) atomically."""
    path = Path(path)
    lines = [preamble, ""] if preamble else []
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    if postscript:
        lines += ["", postscript]
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")
    return path
