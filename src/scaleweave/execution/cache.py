"""A content-addressed cache of model runs: same model, inputs, parameters and code -> same outputs.

The key is a SHA-256 (:mod:`scaleweave.core.hashing`) over what determines a run: the model's
identity, its inputs and parameters, and the code version. The encoding is exact and
independent of dictionary order: integers by value, floats by their 64-bit pattern,
strings as UTF-8, NumPy arrays by dtype, shape and bytes (C order), mappings with
their keys sorted, sequences in order, quantities with units as magnitude plus unit.
Two inputs that differ in one bit get different keys.

Entries are pickled output dictionaries under ``DIRECTORY/ab/abcdef....pkl``, each
written to a temporary file in the same folder and renamed into place
(``os.replace``), so a reader sees a complete entry or none, even if the writer is
killed half-way. Only open caches you or your collaborators wrote (pickle).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scaleweave.core.hashing import FORMAT, content_hash, encode
from scaleweave.errors import ConfigError

__all__ = ["ModelCache", "cached_call", "content_hash"]

class ModelCache:
    """Outputs of model runs on disk, looked up by :meth:`key`.

    Parameters
    ----------
    directory : str or Path
        Where entries live; created if missing. Safe to share between processes:
        writes are atomic, and two writers of one key write the same content.

    Attributes
    ----------
    hits, misses : int
        Look-ups through :meth:`get` that found / did not find an entry.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"ModelCache({str(self.directory)!r})"

    @staticmethod
    def key(model_identity: str, inputs: Mapping[str, Any], parameters: Mapping[str, Any],
            code_version: str) -> str:
        """The cache key (64 hex digits) of one model run.

        Parameters
        ----------
        model_identity : str
            What the model is, e.g. ``"spring_chain.ChainSegment"``.
        inputs, parameters : mapping of str to value
            Numbers, strings, arrays, quantities, or dicts/lists of these. Order of
            keys does not matter; types do (``1`` and ``1.0`` are different keys).
        code_version : str
            Changes whenever the model's code changes what it computes (e.g. the
            package version plus a model revision number).
        """
        if not isinstance(model_identity, str) or not isinstance(code_version, str):
            raise ConfigError("cache key: model_identity and code_version must be strings, got "
                              f"{type(model_identity).__name__} and "
                              f"{type(code_version).__name__}")
        h = hashlib.sha256(FORMAT + b"model-run\x00")
        encode(model_identity, h, "model_identity")
        encode(code_version, h, "code_version")
        encode(dict(inputs), h, "inputs")
        encode(dict(parameters), h, "parameters")
        return h.hexdigest()

    def path(self, key: str) -> Path:
        """Where the entry of ``key`` lives."""
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ConfigError(f"not a cache key (64 lowercase hex digits): {key!r}")
        return self.directory / key[:2] / f"{key}.pkl"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored outputs of ``key`` (a fresh copy), or None when absent or unreadable."""
        path = self.path(key)
        try:
            with path.open("rb") as fh:
                outputs = pickle.load(fh)
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError,
                ImportError):
            self.misses += 1  # foreign or damaged file: treat as absent, rewrite on put
            return None
        self.hits += 1
        return outputs

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def put(self, key: str, outputs: Mapping[str, Any]) -> Path:
        """Store ``outputs`` under ``key`` atomically (temporary file, then ``os.replace``)."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(dict(outputs), fh, protocol=pickle.HIGHEST_PROTOCOL)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)  # mkstemp makes it private; a cache may be shared
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return path


def cached_call(cache: ModelCache | None, identity: str, fn: Callable[..., Mapping[str, Any]],
                inputs: Mapping[str, Any], parameters: Mapping[str, Any], code_version: str
                ) -> dict[str, Any]:
    """``fn(**inputs, **parameters)``, or its stored outputs when the same run is cached.

    Parameters
    ----------
    cache : ModelCache or None
        None calls ``fn`` without caching.
    identity, code_version : str
        See :meth:`ModelCache.key`.
    fn : callable
        Returns a mapping of output name to value; stored on a miss.
    inputs, parameters : mapping
        Keyword arguments of ``fn``; a name in both is an error.

    Examples
    --------
    >>> import tempfile
    >>> calls = []
    >>> def square(x):
    ...     calls.append(x)
    ...     return {"y": x * x}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     cache = ModelCache(folder)
    ...     [cached_call(cache, "square", square, {"x": 3.0}, {}, "1")["y"] for _ in range(2)]
    [9.0, 9.0]
    >>> calls
    [3.0]
    """
    both = set(inputs) & set(parameters)
    if both:
        raise ConfigError(f"cached_call {identity!r}: names given both as input and parameter: "
                          f"{sorted(both)}")
    if cache is None:
        return dict(fn(**inputs, **parameters))
    key = cache.key(identity, inputs, parameters, code_version)
    hit = cache.get(key)
    if hit is not None:
        return hit
    outputs = dict(fn(**inputs, **parameters))
    cache.put(key, outputs)
    return outputs

