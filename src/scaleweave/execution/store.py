"""The campaign store: an SQLite file recording each finished sample, so a killed run resumes.

One file per campaign in the run's output folder (conventionally
``OUT/CASE/campaign.sqlite``), in WAL mode, with two tables::

    samples(idx INTEGER PRIMARY KEY, status TEXT ('ok' | 'failed'), result BLOB,
            error TEXT, seconds REAL, finished_at TEXT)
    meta(name TEXT PRIMARY KEY, value TEXT)     -- 'campaign_key', 'created_at', ...

Each sample is recorded in its own transaction, so after a crash or SIGKILL the file
holds exactly the samples whose transaction committed, and a resumed run computes
the others. ``synchronous=NORMAL``: a committed sample survives the process being
killed; a power cut may lose the last few (never corrupt the file).

The ``campaign_key`` names what defines the campaign (case, parameters, root seed,
sampler, ensemble size; see :func:`campaign_key`). Opening a file whose key differs
starts a fresh campaign and moves the old file aside as ``NAME.stale-<timestamp>``:
samples of two campaigns are never mixed.

Results are pickled; open only stores you or your collaborators wrote.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import sqlite3
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scaleweave._version import __version__
from scaleweave.core.hashing import content_hash
from scaleweave.errors import ConfigError, ScaleweaveError

__all__ = ["CampaignStore", "campaign_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    idx INTEGER PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    result BLOB,
    error TEXT,
    seconds REAL,
    finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def campaign_key(**parts: Any) -> str:
    """A hash of what defines a campaign, e.g. ``campaign_key(case=..., seed=..., n=...)``.

    Values may be numbers, strings, arrays, quantities, or dicts/lists of these (see
    :func:`~scaleweave.execution.cache.content_hash`); the order of the keywords
    does not matter.

    Examples
    --------
    >>> campaign_key(case="multirate", seed=1, n=100) == campaign_key(n=100, seed=1,
    ...                                                               case="multirate")
    True
    """
    return content_hash(parts, where="campaign")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


class CampaignStore:
    """The samples of one campaign, recorded as they finish.

    Parameters
    ----------
    path : str or Path
        The SQLite file; its folder is created if missing.
    campaign_key : str
        What defines this campaign (see :func:`campaign_key`). If ``path`` holds a
        campaign with another key, or is not a campaign store, that file is moved
        to :attr:`stale_path` and a fresh store is started.

    Attributes
    ----------
    path : Path
    campaign_key : str
    stale_path : Path or None
        Where a previous, different campaign was moved on opening (else None).

    Notes
    -----
    Meant for one writer (the ensemble driver); readers may open the file at any
    time. A sample is recorded once: recording an index already present raises
    :class:`~scaleweave.errors.ScaleweaveError` instead of replacing it, so a
    resumed run that computed a sample twice would fail loudly.
    """

    def __init__(self, path: str | os.PathLike[str], campaign_key: str) -> None:
        if not isinstance(campaign_key, str) or not campaign_key:
            raise ConfigError(f"CampaignStore: campaign_key must be a non-empty string, got "
                              f"{campaign_key!r}")
        self.path = Path(path)
        self.campaign_key = campaign_key
        self.stale_path: Path | None = None
        if self.path.is_dir():
            raise ConfigError(f"campaign store {self.path} is a folder; give a file path such "
                              f"as {self.path / 'campaign.sqlite'}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self._stored_key() != campaign_key:
            self.stale_path = self._move_aside()
        self._conn = self._connect()
        with self._conn:
            self._conn.executescript(_SCHEMA)
            for name, value in (("campaign_key", campaign_key), ("created_at", _now()),
                                ("scaleweave_version", __version__)):
                self._conn.execute("INSERT OR IGNORE INTO meta(name, value) VALUES (?, ?)",
                                   (name, value))

    def __repr__(self) -> str:
        return f"CampaignStore({str(self.path)!r}, campaign_key={self.campaign_key[:12]!r}...)"

    # opening

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _stored_key(self) -> str | None:
        """The key recorded in the existing file; None if it is not a campaign store."""
        try:
            conn = sqlite3.connect(self.path, timeout=30.0)
            try:
                row = conn.execute("SELECT value FROM meta WHERE name = 'campaign_key'"
                                   ).fetchone()
            finally:
                conn.close()  # the last connection checkpoints and removes the WAL
        except sqlite3.DatabaseError:
            return None
        return row[0] if row else None

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        stale = self.path.with_name(f"{self.path.name}.stale-{stamp}")
        n = 1
        while stale.exists():
            n += 1
            stale = self.path.with_name(f"{self.path.name}.stale-{stamp}-{n}")
        os.replace(self.path, stale)
        for old, new in zip(_sidecars(self.path), _sidecars(stale), strict=True):
            if old.exists():
                os.replace(old, new)
        return stale

    # writing

    def _insert(self, idx: int, status: str, result: bytes | None, error: str | None,
                seconds: float) -> None:
        if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
            raise ConfigError(f"sample index must be a non-negative integer, got {idx!r}")
        sec = float(seconds) if seconds is not None and math.isfinite(seconds) else None
        try:
            with self._conn:  # one transaction per sample
                self._conn.execute(
                    "INSERT INTO samples(idx, status, result, error, seconds, finished_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)", (idx, status, result, error, sec, _now()))
        except sqlite3.IntegrityError:
            raise ScaleweaveError(f"sample {idx} is already recorded in {self.path}; a "
                                  "sample is recorded once") from None

    def record_ok(self, idx: int, result: Mapping[str, Any], seconds: float) -> None:
        """Record sample ``idx``'s result (name -> float or array) and its time in s."""
        self._insert(idx, "ok", pickle.dumps(dict(result), protocol=pickle.HIGHEST_PROTOCOL),
                     None, seconds)

    def record_failure(self, idx: int, error_text: str, seconds: float) -> None:
        """Record that sample ``idx`` failed, with its error text and time in s."""
        self._insert(idx, "failed", None, str(error_text), seconds)

    # reading

    def done(self) -> set[int]:
        """Indices of every recorded sample, succeeded or failed."""
        return {row[0] for row in self._conn.execute("SELECT idx FROM samples")}

    def results(self) -> dict[int, dict[str, Any]]:
        """Results of the samples that succeeded, by index."""
        rows = self._conn.execute("SELECT idx, result FROM samples WHERE status = 'ok' "
                                  "ORDER BY idx")
        return {idx: pickle.loads(blob) for idx, blob in rows}

    def failures(self) -> dict[int, str]:
        """Error texts of the samples that failed, by index."""
        rows = self._conn.execute("SELECT idx, error FROM samples WHERE status = 'failed' "
                                  "ORDER BY idx")
        return dict(rows.fetchall())

    def seconds(self) -> dict[int, float]:
        """Time each recorded sample took in its worker, s (NaN where unknown)."""
        rows = self._conn.execute("SELECT idx, seconds FROM samples ORDER BY idx")
        return {idx: float("nan") if s is None else s for idx, s in rows}

    def count(self, status: str | None = None) -> int:
        """Number of recorded samples; only ``'ok'`` or ``'failed'`` ones if given."""
        if status is None:
            return self._conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0]
        if status not in ("ok", "failed"):
            raise ConfigError(f"status must be 'ok' or 'failed', got {status!r}")
        return self._conn.execute("SELECT COUNT(*) FROM samples WHERE status = ?",
                                  (status,)).fetchone()[0]

    def meta(self) -> dict[str, str]:
        """The ``meta`` table: ``campaign_key``, ``created_at``, ``scaleweave_version``."""
        return dict(self._conn.execute("SELECT name, value FROM meta").fetchall())

    def setdefault_meta(self, name: str, value: str) -> str:
        """Record ``meta[name] = value`` unless a value is recorded; return the recorded one.

        What the first run of a campaign decides about its layout (how its rows are
        cut into samples) is kept this way, so a resumed run continues it whatever
        its own settings (e.g. another worker count).
        """
        with self._conn:
            self._conn.execute("INSERT OR IGNORE INTO meta(name, value) VALUES (?, ?)",
                               (str(name), str(value)))
        return self._conn.execute("SELECT value FROM meta WHERE name = ?",
                                  (str(name),)).fetchone()[0]

    # closing

    def close(self) -> None:
        """Close the file (safe to call twice)."""
        with contextlib.suppress(Exception):
            self._conn.close()

    def __enter__(self) -> CampaignStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
