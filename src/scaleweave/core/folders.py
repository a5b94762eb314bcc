"""Folders written atomically, and the debris of killed writers removed safely.

A results folder ``OUT/CASE`` is built under a hidden name beside it,
``OUT/.CASE.<token>.partial`` (:func:`make_partial`), and renamed into place at the
end (:func:`replace_folder`); the previous folder waits as ``OUT/.CASE.<token>.old``
until the new one is in place. While it writes, the process holds an advisory lock
(``flock``) on its partial folder. A writer killed by SIGKILL, SIGTERM or a power
cut leaves its partial folder (and perhaps an ``.old`` one) behind, unlocked:
:func:`remove_stale` removes exactly those -- hidden folders named like ours whose
lock nobody holds -- and puts an ``.old`` folder back where its case folder is
missing. A folder another process is writing is never touched.

:func:`lock_folder` is the same lock held on a working folder for the length of a
run (shared by runs, exclusive for a clean-up), so ``scaleweave clean`` never
removes what a running case is using.

Where the file system has no ``flock`` (Windows, some network mounts) writers work
unlocked and nothing is ever removed as stale: safe, if untidy.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["discard_partial", "lock_folder", "make_partial", "remove_stale", "replace_folder"]

_DEBRIS = re.compile(r"^\.(?P<name>.+)\.(?P<token>[A-Za-z0-9_]+)\.(?P<kind>partial|old)$")
_HELD: dict[Path, int] = {}  # partial folder -> the descriptor holding its lock
_BUSY = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES}  # held by another process


def _lock(path: Path, *, shared: bool = False, wait: bool = False) -> int | None:
    """A descriptor of folder ``path`` holding its lock; None where locks are unsupported.

    Raises
    ------
    BlockingIOError
        The lock is held elsewhere (only when ``wait`` is False).
    FileNotFoundError
        ``path`` is gone.
    """
    if fcntl is None:
        if not Path(path).is_dir():
            raise FileNotFoundError(errno.ENOENT, f"no folder {path}")
        return None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    flags = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB)
    try:
        fcntl.flock(fd, flags)
    except OSError as exc:
        os.close(fd)
        if exc.errno in _BUSY:
            raise BlockingIOError(exc.errno, f"{path} is locked by another process") from None
        return None  # no locks on this file system
    return fd


def _still_there(path: Path, fd: int) -> bool:
    """True if ``path`` is still the folder ``fd`` was opened on (not removed meanwhile)."""
    try:
        st, here = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == (here.st_dev, here.st_ino) and st.st_nlink > 0


def make_partial(parent: str | os.PathLike, name: str) -> Path:
    """Create and lock ``parent/.NAME.<token>.partial``; release it with
    :func:`replace_folder` or :func:`discard_partial`."""
    for _ in range(20):
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=parent))
        try:
            fd = _lock(tmp)
        except (BlockingIOError, FileNotFoundError):  # a clean-up is removing it: another
            continue
        if fd is None:
            return tmp
        if _still_there(tmp, fd):
            _HELD[tmp] = fd
            return tmp
        os.close(fd)
    raise OSError(f"cannot create a working folder for {name!r} in {parent}")


def _release(tmp: Path) -> None:
    fd = _HELD.pop(tmp, None)
    if fd is not None:
        os.close(fd)


def discard_partial(tmp: Path) -> None:
    """Remove a partial folder of :func:`make_partial` (a failed or interrupted write)."""
    try:
        shutil.rmtree(tmp, ignore_errors=True)
    finally:
        _release(tmp)


def replace_folder(tmp: Path, final: Path) -> None:
    """Move the finished partial ``tmp`` onto ``final``, keeping the old one until it is in
    place; on failure the old folder stays and ``tmp`` is removed."""
    match = _DEBRIS.match(tmp.name)
    token = match["token"] if match else str(os.getpid())
    old: Path | None = None
    try:
        os.chmod(tmp, 0o755)
        if final.exists():
            old = final.parent / f".{final.name}.{token}.old"
            os.replace(final, old)
        os.replace(tmp, final)
    except BaseException:
        if old is not None and not final.exists():
            os.replace(old, final)  # keep the previous good result
        discard_partial(tmp)
        raise
    _release(tmp)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def remove_stale(parent: str | os.PathLike, name: str | None = None) -> list[Path]:
    """Remove the partial and old folders killed writers left in ``parent``.

    Parameters
    ----------
    parent : path
        A results folder (``OUT``).
    name : str, optional
        Only those of this case folder; default: of every case.

    Returns
    -------
    list of Path
        What was removed (a restored ``.old`` folder is listed under its old name).

    Notes
    -----
    Only hidden folders named ``.NAME.<token>.partial`` or ``.NAME.<token>.old`` are
    considered. A partial folder whose lock is held (a live writer, in any process)
    is left alone, and so is the ``.old`` folder of the same write; an ``.old``
    folder whose case folder is missing (a writer killed between its two renames)
    becomes the case folder again.
    """
    root = Path(parent)
    if fcntl is None:
        return []
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return []
    debris = [(p, m) for p in entries if (m := _DEBRIS.match(p.name)) and not p.is_symlink()
              and p.is_dir() and (name is None or m["name"] == name)]
    removed: list[Path] = []
    live: set[tuple[str, str]] = set()
    for path, m in (d for d in debris if d[1]["kind"] == "partial"):
        try:
            fd = _lock(path)
        except (BlockingIOError, FileNotFoundError):
            live.add((m["name"], m["token"]))
            continue
        if fd is None:  # cannot tell: leave it
            live.add((m["name"], m["token"]))
            continue
        try:
            if _still_there(path, fd):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        finally:
            os.close(fd)
    writing = {n for n, _ in live}
    for path, m in (d for d in debris if d[1]["kind"] == "old"):
        if (m["name"], m["token"]) in live or not path.exists():
            continue
        final = root / m["name"]
        if not final.exists() and m["name"] in writing:
            continue  # another writer of this case is between its renames
        with contextlib.suppress(OSError):
            if final.exists():
                shutil.rmtree(path)
            else:
                os.replace(path, final)
            removed.append(path)
    return removed


@contextlib.contextmanager
def lock_folder(path: str | os.PathLike, *, shared: bool, wait: bool = True
                ) -> Iterator[Path]:
    """Hold the lock of folder ``path`` (created if missing) for the ``with`` block.

    Runs hold it ``shared``; a clean-up holds it exclusively with ``wait=False`` and
    gets :class:`BlockingIOError` while any run holds it -- and, with errno
    ``ENOLCK``, where the file system has no locks (then nobody can tell whether a
    run is using the folder, so a clean-up must not remove it).
    """
    folder = Path(path)
    for _ in range(20):
        folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = _lock(folder, shared=shared, wait=wait)
        except FileNotFoundError:  # removed by a clean-up between mkdir and open
            continue
        if fd is None:
            if not shared:
                raise BlockingIOError(errno.ENOLCK, f"no locks on the file system of {folder}")
            yield folder
            return
        if not _still_there(folder, fd):
            os.close(fd)
            continue
        try:
            yield folder
        finally:
            os.close(fd)
        return
    raise OSError(f"cannot lock {folder}")
