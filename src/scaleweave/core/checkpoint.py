"""Checkpoints of long runs: the state of every submodel, written atomically every K steps.

A coupled run (or a long single-engine run) that is killed resumes from its last
checkpoint with results identical to an uninterrupted run, because the checkpoint
holds everything that determines what comes next: each submodel's
:meth:`~scaleweave.core.coupler.Submodel.state` (its arrays, its clock, its random
generator), the coupler's clock and counters, and the state of observers that
record a time series. It is one pickle file per run, keyed by a hash of what
defines the run, under the run's ``OUT/.checkpoints/`` folder; it is written to a
temporary file and renamed into place (``os.replace``), so a kill during a write
leaves the previous checkpoint intact, and it is removed once the run completes,
leaving no debris. A checkpoint whose key differs (another configuration) is never
read. Only open checkpoints you wrote (pickle).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from scaleweave.errors import ConfigError

__all__ = ["Checkpoint"]

_FORMAT = "scaleweave-checkpoint-v1"


class Checkpoint:
    """Where one run keeps its checkpoint, and how often.

    Parameters
    ----------
    directory : path
        The folder (created when first written), e.g. ``OUT/.checkpoints/CASE``.
    key : str
        What defines the run (a content hash of its configuration); a checkpoint
        written under another key is ignored, never resumed from.
    every : int
        Write after every ``every`` macro steps.

    Attributes
    ----------
    resumed_at : int or None
        The macro step the last :meth:`load` resumed from (None: started afresh).
    writes : int
        Checkpoints written by this object.
    """

    def __init__(self, directory: str | os.PathLike[str], key: str, *, every: int = 10) -> None:
        if not isinstance(key, str) or not key or not key.replace("-", "").isalnum():
            raise ConfigError(f"checkpoint key must be letters, digits and dashes, got {key!r}")
        if int(every) < 1:
            raise ConfigError(f"checkpoint interval must be >= 1 macro step, got {every}")
        self.directory = Path(directory)
        self.key = key
        self.every = int(every)
        self.resumed_at: int | None = None
        self.writes = 0

    @property
    def path(self) -> Path:
        """The checkpoint file."""
        return self.directory / f"{self.key[:32]}.ckpt"

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None when there is none for this key (or it is unreadable)."""
        try:
            with self.path.open("rb") as fh:
                saved = pickle.load(fh)
        except FileNotFoundError:
            return None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None  # damaged or foreign: start afresh, overwrite it on the next save
        if not isinstance(saved, dict) or saved.get("format") != _FORMAT or \
                saved.get("key") != self.key:
            return None
        self.resumed_at = int(saved["step"])
        return saved["state"]

    def save(self, step: int, state: dict[str, Any]) -> None:
        """Write ``state`` as the checkpoint after macro step ``step`` (atomically)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".ckpt.", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump({"format": _FORMAT, "key": self.key, "step": int(step),
                             "state": state}, fh, protocol=pickle.HIGHEST_PROTOCOL)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self.writes += 1

    def clear(self) -> None:
        """Remove the checkpoint (the run completed) and the folder if it is empty."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        with contextlib.suppress(OSError):
            self.directory.rmdir()
