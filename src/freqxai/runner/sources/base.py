"""What a data source of ``freqxai run`` is, and the registry of sources.

A source (``synthetic``, ``audiomnist``, ``fsdd``, ``custom``, ``uea``, or your own) is one class
in one file. It declares everything the rest of the runner needs to know about it:

- its command-line flags (:class:`Flag`: name, type, help; ``freqxai run NAME`` is built from
  them) and a one-line summary with examples for ``freqxai run --help``;
- the :class:`~freqxai.runner.RunConfig` fields it reads (``fields``: a setting only other
  sources read is refused on its runs, since it would be ignored without a word) and its
  defaults for the fields a run leaves unset (``defaults``: epochs, masks, STFT, cells, ...);
- :meth:`Source.load`, the test signals and the model of a run (a :class:`~freqxai.runner.tasks.
  Task`), training and caching the model where the source trains one;
- how the label sanity check retrains its model on permuted labels (:meth:`Source.retraining`,
  with :meth:`Source.retrain_reason` saying why it cannot).

Adding a source is one file: a module in this package (imported with the built-in ones), or in
your own package loaded as a plug-in (``--plugin MODULE`` or a ``freqxai.plugins`` entry point)::

    from freqxai.runner.sources import Flag, Source, register_source

    @register_source("toy")
    class Toy(Source):
        summary = "ten noisy sinusoids and a fixed model"
        examples = ("freqxai run toy --fs 100",)
        flags = (Flag("--fs", "sampling rate in Hz", type=float, metavar="HZ"),)
        fields = ("fs",)

        def load(self, cfg, progress):
            from freqxai.runner.tasks import Task
            ...
            return Task(X, y, cfg.fs or 100.0, model)

This module imports nothing heavy: the command line builds its parser from the registry.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..._registry import Registry

phases = logging.getLogger("freqxai.progress")  # one line per phase (see runner.engine)

__all__ = ["Flag", "Retraining", "Source", "TRAINING_RECORD", "get_source", "list_sources",
           "record_training", "register_source", "training_record",
           "source_class"]


@dataclass(frozen=True)
class Flag:
    """One command-line flag of a source (what ``argparse``'s ``add_argument`` takes, declared).

    The flag sets the :class:`~freqxai.runner.RunConfig` field of its name (``--n-train`` sets
    ``n_train``). A flag that is not given leaves the field unset: the configuration file's value
    or the default applies (the defaults live in ``RunConfig`` and :attr:`Source.defaults`).

    Parameters
    ----------
    name : str
        ``"--noise"``.
    help : str
        One line for ``--help`` (``%`` written ``%%``, as argparse wants).
    type : callable, optional
        Converts the text given (``int``, ``float``); None keeps the text.
    metavar : str, optional
        The value's name in ``--help``.
    required : bool
        The run cannot start without it.
    choices : tuple, optional
        The values allowed.
    switch : bool
        A flag without a value that sets the field to True.
    """

    name: str
    help: str
    type: Callable[[str], Any] | None = None
    metavar: str | None = None
    required: bool = False
    choices: tuple[Any, ...] | None = None
    switch: bool = False

    @property
    def field(self) -> str:
        """The ``RunConfig`` field the flag sets."""
        return self.name.lstrip("-").replace("-", "_")

    def add_to(self, parser: argparse.ArgumentParser | Any) -> None:
        """Add the flag to an argparse parser or argument group."""
        if self.switch:
            parser.add_argument(self.name, action="store_const", const=True, dest=self.field,
                                help=self.help)
            return
        kwargs: dict[str, Any] = {"help": self.help, "dest": self.field}
        for key in ("type", "metavar", "choices"):
            if getattr(self, key) is not None:
                kwargs[key] = list(self.choices) if key == "choices" else getattr(self, key)
        if self.required:
            kwargs["required"] = True
        parser.add_argument(self.name, **kwargs)


@dataclass
class Retraining:
    """How the label sanity check retrains a source's model on permuted labels
    (:func:`freqxai.sanity.train_on_permuted_labels`).

    Attributes
    ----------
    factory : callable
        Builds the untrained model (the architecture of the run's own).
    data : callable
        Returns the training signals and labels ``(X, y)`` the run's model was trained on.
    fit : dict
        Training settings beside the run's epochs (``batch_size``, ``lr``).
    """

    factory: Callable[[], Any]
    data: Callable[[], tuple[Any, Any]]
    fit: dict[str, Any] = field(default_factory=dict)


TRAINING_RECORD = "model_training.json"
"""Beside a run's ``model.pt``: how long training it took (``seconds``, ``epochs``), which the
run's estimate reads for the sanity check that retrains it on permuted labels."""


def record_training(run_dir: str | Path, seconds: float, epochs: int) -> None:
    """Write :data:`TRAINING_RECORD` in ``run_dir`` (atomically) after a source trained the run's
    model: ``seconds`` of training over ``epochs`` epochs."""
    import json

    from ..._io import atomic_path

    with atomic_path(Path(run_dir) / TRAINING_RECORD) as tmp:
        Path(tmp).write_text(json.dumps({"seconds": float(seconds), "epochs": int(epochs)}))


def training_record(run_dir: str | Path) -> dict[str, float] | None:
    """What :func:`record_training` wrote in ``run_dir``, or None (a model given, or trained by
    an older version; an unreadable record counts as none)."""
    import json

    try:
        record = json.loads((Path(run_dir) / TRAINING_RECORD).read_text())
        return {"seconds": float(record["seconds"]), "epochs": int(record["epochs"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def changed(cfg: Any, name: str) -> bool:
    """Whether the field ``name`` of the configuration ``cfg`` differs from its declared default
    (a setting given, as far as can be told)."""
    spec = {f.name: f for f in dataclasses.fields(cfg)}[name]
    default = (spec.default_factory() if spec.default is dataclasses.MISSING  # type: ignore[misc]
               else spec.default)
    return getattr(cfg, name) != default


GIVEN_MODEL = ("the model was given (--model/--weights), so the run does not know how it was "
               "trained; retrain it on permuted labels yourself and call "
               "freqxai.sanity.data_randomization")


class Source:
    """A data source of ``freqxai run``: subclass it in one file and register it with
    :func:`register_source` (see the module's description).

    Attributes
    ----------
    name : str
        Set by :func:`register_source`: ``freqxai run NAME`` and ``RunConfig.dataset``.
    summary : str
        One line for ``freqxai run --help`` ("your model file on your data file").
    examples : tuple of str
        Command lines shown by ``freqxai run NAME --help``.
    flag_group : str
        Title of the source's flags in its ``--help`` (default "NAME data").
    flags : tuple of Flag
        Its own command-line flags (every source also takes the run options: methods, domains,
        masks, devices, ...).
    fields : tuple of str
        The data fields of ``RunConfig`` this source reads beside ``dataset``, ``n_test``,
        ``weights`` and ``epochs``, which every source reads (``epochs`` where it trains the
        model: :meth:`trains`). A field that only other sources read, set on this source's run,
        is refused.
    defaults : dict
        Values of ``RunConfig`` fields the run leaves unset (None): ``epochs``, ``n_masks``,
        ``stft``, ``num_cells``, ``explainer_options``. Merged with those of the base classes.
    sanity_by_default : bool
        Whether the sanity checks run when ``sanity`` is unset (off where retraining the model
        takes as long as the run's training: the audio and UEA data).
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    examples: ClassVar[tuple[str, ...]] = ()
    flag_group: ClassVar[str] = ""
    flags: ClassVar[tuple[Flag, ...]] = ()
    fields: ClassVar[tuple[str, ...]] = ()
    # no STFT default: it is fitted to the signal length when the data is loaded (fit_to_length);
    # n_masks "auto": drawn until two halves agree
    defaults: ClassVar[dict[str, Any]] = {"epochs": 20, "n_masks": "auto", "num_cells": {},
                                          "explainer_options": {}}
    sanity_by_default: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        merged: dict[str, Any] = {}
        for base in reversed(cls.__mro__):
            merged.update(base.__dict__.get("defaults", {}))
        cls.defaults = merged

    # -- what the configuration and the command line read ------------------------------------

    def default(self, name: str) -> Any:
        """This source's default of the ``RunConfig`` field ``name`` (a copy), or None."""
        return copy.deepcopy(self.defaults.get(name))

    def trains(self, cfg: Any) -> bool:
        """Whether the run trains its model (then it reads ``epochs``); False: it is given."""
        return False

    def check(self, cfg: Any) -> list[str]:
        """Problems with the source's settings of ``cfg`` (what it needs, values it refuses),
        each one line; checked with the rest of the configuration before anything runs."""
        return []

    def out_tag(self, values: Mapping[str, Any]) -> str:
        """What names the run folder ``runs/NAME_TAG`` beside the source's name, from the
        settings given (unset ones are None)."""
        return ""

    def default_out(self, values: Mapping[str, Any]) -> str:
        """The run folder of a run whose ``out`` is not given: ``runs/NAME_TAG``, with
        ``_quick``/``_center`` for a quick or centered run (another run: its own folder)."""
        tag = self.out_tag(values)
        folder = f"runs/{self.name}" + (f"_{tag}" if tag else "")
        return folder + "".join(f"_{flag}" for flag in ("quick", "center") if values.get(flag))

    # -- the run --------------------------------------------------------------------------------

    def load(self, cfg: Any, progress: bool) -> Any:
        """The run's :class:`~freqxai.runner.tasks.Task`: test signals (a class-stratified
        sample of ``cfg.n_explained`` where the source has more), labels, sampling rate and the
        model (trained and cached in ``cfg.out`` where the source trains one)."""
        raise NotImplementedError(f"source {self.name!r} does not define load(cfg, progress)")

    def retrain_reason(self, cfg: Any) -> str | None:
        """None when :meth:`retraining` can retrain the run's model on permuted labels (the run
        trained it), else why not (the label sanity check is skipped with that reason)."""
        return GIVEN_MODEL

    def retraining(self, cfg: Any) -> Retraining:
        """The run's architecture and training data, for the label sanity check."""
        raise NotImplementedError(f"source {self.name!r} does not retrain its model")


SOURCES: Registry[type[Source]] = Registry("source", Source)


def register_source(name: str, *, aliases: tuple[str, ...] = (), override: bool = False):
    """Class decorator: register a :class:`Source` subclass as ``freqxai run NAME``
    (``RunConfig(dataset=NAME)``); see :meth:`freqxai._registry.Registry.register`."""
    return SOURCES.register(name, aliases=aliases, override=override)


def list_sources(*, plugins: bool = True) -> list[str]:
    """Registered sources, in registration order (the built-in ones first).

    ``plugins=False`` lists those registered so far without loading the ``freqxai.plugins``
    entry points (the command line builds its parser so, importing nothing it does not need)."""
    return SOURCES.names() if plugins else list(SOURCES.classes)


def source_class(name: str, *, plugins: bool = True) -> type[Source]:
    """The class registered as ``name``; ``ValueError`` naming the sources for another name.
    ``plugins=False``: a source registered so far is returned without loading the entry points
    (as :func:`list_sources`)."""
    if not plugins and name in SOURCES.classes:
        return SOURCES.classes[name]
    return SOURCES.lookup(name)


def get_source(name: str) -> Source:
    """The source registered as ``name``; ``ValueError`` naming the sources for another name."""
    return source_class(name)()

