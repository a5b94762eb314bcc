"""The working files of a results folder: kept while a resume needs them, then removed.

Beside its results, a run keeps what it needs to resume after a crash:
``OUT/.campaigns/CASE/`` (every finished ensemble sample) and
``OUT/.checkpoints/CASE/`` (the state of long coupled runs). A run holds a shared
lock on ``OUT/.campaigns/CASE`` while it runs (:class:`CaseFolders`); once its
result is written it drops the case's campaigns, which only a resume needs. An
interrupted run keeps them, so the same command resumes.

``scaleweave clean OUT`` (:func:`clean_results`) removes every case's campaigns and
checkpoints, the hidden partial folders of killed runs and, with ``--cache``, the
model cache ``OUT/.cache``; a case a run is using is left alone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path

from scaleweave.core.folders import lock_folder, remove_stale
from scaleweave.errors import ConfigError

__all__ = ["CaseFolders", "clean_results"]


class CaseFolders:
    """A run's hold on its case's working folders in ``out``, from start to tidy-up.

    Parameters
    ----------
    out : path
        The results folder.
    name : str
        The case.

    Notes
    -----
    Creating it takes the shared lock on ``OUT/.campaigns/NAME`` (creating that
    folder) and removes the partial folders killed runs of the case left;
    :meth:`release` lets go and tidies up.
    """

    def __init__(self, out: str | os.PathLike, name: str) -> None:
        self.root, self.name = Path(out), name
        self.campaigns = self.root / ".campaigns" / name
        self.checkpoints = self.root / ".checkpoints" / name
        self._hold = contextlib.ExitStack()
        self._hold.enter_context(lock_folder(self.campaigns, shared=True))
        remove_stale(self.root, name)

    def release(self, *, finished: bool) -> None:
        """Let go of the folders; a ``finished`` run (result written) drops its campaigns.

        An unfinished run keeps what a resume needs and removes only empty folders.
        Nothing is removed while another run of the case holds them (the last one to
        finish tidies up). Safe to call twice.
        """
        self._hold.close()
        if self.campaigns.is_dir():
            try:
                with lock_folder(self.campaigns, shared=False, wait=False):
                    if finished:
                        shutil.rmtree(self.campaigns, ignore_errors=True)
                    with contextlib.suppress(OSError):
                        self.campaigns.rmdir()  # empty: nothing was recorded
            except BlockingIOError:
                return  # another run of this case is going on
        for empty in (self.checkpoints, self.campaigns.parent, self.checkpoints.parent):
            with contextlib.suppress(OSError):  # completed runs removed theirs: no debris
                empty.rmdir()


def _size(path: Path) -> int:
    """Bytes in the files under ``path``."""
    if not path.is_dir():
        return path.lstat().st_size if path.exists() or path.is_symlink() else 0
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file())


def clean_results(out: str | os.PathLike, *, cache: bool = False
                  ) -> tuple[list[tuple[Path, int | None]], list[str]]:
    """Remove the working files of results folder ``out``; the results themselves stay.

    Parameters
    ----------
    out : path
        The results folder (``OUT``).
    cache : bool
        Also remove the model cache ``OUT/.cache`` (cached model runs, e.g. the
        battery case's NEB barrier; the next run computes them again).

    Returns
    -------
    removed : list of (Path, int or None)
        Each removed path and its size in bytes (None for partial folders).
    kept : list of str
        One line for each thing left, with the reason.

    Raises
    ------
    ConfigError
        ``out`` is not a folder.
    """
    root = Path(out)
    if not root.is_dir():
        raise ConfigError(f"no results folder {str(root)!r} to clean")
    removed: list[tuple[Path, int | None]] = []
    kept: list[str] = []
    names = sorted({p.name for d in (".campaigns", ".checkpoints") if (root / d).is_dir()
                    for p in (root / d).iterdir() if p.is_dir() and not p.is_symlink()})
    for name in names:
        campaigns, checkpoints = root / ".campaigns" / name, root / ".checkpoints" / name
        there = [p for p in (campaigns, checkpoints) if p.is_dir()]
        try:
            with lock_folder(campaigns, shared=False, wait=False):
                removed.extend((path, _size(path)) for path in there)
                for path in (campaigns, checkpoints):
                    shutil.rmtree(path, ignore_errors=True)
        except BlockingIOError as exc:
            why = (f"a run of {name!r} is using them" if exc.errno != errno.ENOLCK else
                   "this file system has no locks, so whether a run is using them cannot be "
                   "told; remove them by hand when none is")
            kept.append(f"kept {campaigns} and {checkpoints}: {why}")
    for folder in (root / ".campaigns", root / ".checkpoints"):
        with contextlib.suppress(OSError):
            folder.rmdir()
    removed.extend((path, None) for path in remove_stale(root))
    cache_dir = root / ".cache"
    if cache_dir.is_dir():
        if not cache:
            kept.append(f"kept {cache_dir} ({_size(cache_dir) / 1e6:.3g} MB of cached model "
                        "runs; --cache removes it)")
        elif kept:
            kept.append(f"kept {cache_dir}: a run is going on")
        else:
            size = _size(cache_dir)
            shutil.rmtree(cache_dir, ignore_errors=True)
            removed.append((cache_dir, size))
    return removed, kept
