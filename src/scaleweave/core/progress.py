"""Progress bars for long work: shown on a terminal, silent otherwise or with --quiet."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(total: int, desc: str, *, quiet: bool = False) -> Iterator[Any]:
    """A tqdm bar as a context manager; a do-nothing bar when quiet or not a terminal.

    Yields an object with ``update(n)``.

    Examples
    --------
    >>> with progress_bar(3, "steps", quiet=True) as bar:
    ...     bar.update(3)
    """
    if quiet or not sys.stderr.isatty():
        yield _Silent()
        return
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, leave=False, dynamic_ncols=True, mininterval=0.2)
    try:
        yield bar
    finally:
        bar.close()


class _Silent:
    def update(self, n: int = 1) -> None:
        """Do nothing."""
