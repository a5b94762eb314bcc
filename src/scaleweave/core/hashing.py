"""Content hashes: one exact, order-independent encoding of what determines a result.

Caches and campaign stores key their entries on :func:`content_hash`. The encoding
is exact: integers by value, floats by their 64-bit pattern, strings as UTF-8, NumPy
arrays by dtype, shape and bytes (C order), mappings with their keys sorted,
sequences in order, quantities as magnitude plus unit. Two values that differ in one
bit get different hashes; ``1`` and ``1.0`` differ too (types matter).

Objects take part in two ways:

* an object with a ``__content__()`` method is encoded as its type's name plus what
  that method returns (models return their identity and parameters; a hop path its
  structures), and
* a dataclass is encoded as its type's name plus its fields.

Anything else is refused with a :class:`~scaleweave.errors.ConfigError` naming where
it was found, rather than hashed by ``repr`` (which can hide a difference).
"""

from __future__ import annotations

import dataclasses
import hashlib
import numbers
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from scaleweave.errors import ConfigError

__all__ = ["FORMAT", "content_hash", "encode"]

#: Prefix of every hash: bump it when the encoding changes.
FORMAT = b"scaleweave-content-hash-v1\x00"


def encode(obj: Any, h: Any, where: str) -> None:
    """Feed the canonical encoding of ``obj`` to hash ``h``; ``where`` names it in errors."""
    if obj is None:
        h.update(b"N")
    elif isinstance(obj, bool | np.bool_):
        h.update(b"B1" if obj else b"B0")
    elif isinstance(obj, numbers.Integral):
        h.update(b"I%d;" % int(obj))
    elif isinstance(obj, float):  # includes numpy.float64
        h.update(b"F" + struct.pack("<d", obj))
    elif isinstance(obj, str):
        data = obj.encode("utf-8")
        h.update(b"S%d:" % len(data) + data)
    elif isinstance(obj, bytes | bytearray):
        h.update(b"Y%d:" % len(obj) + bytes(obj))
    elif isinstance(obj, np.ndarray | np.generic):
        arr = np.asarray(obj)
        if arr.dtype.hasobject:
            raise ConfigError(f"cannot hash {where}: NumPy arrays of Python objects have no "
                              "canonical bytes; use a numeric or string dtype")
        dtype = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        data = np.ascontiguousarray(arr, dtype=dtype).tobytes()
        head = f"{dtype.str}|{arr.shape}".encode()
        h.update(b"A%d:" % len(head) + head + b"%d:" % len(data) + data)
    elif isinstance(obj, Mapping):
        keys = list(obj)
        if not all(isinstance(k, str) for k in keys):
            raise ConfigError(f"cannot hash {where}: mapping keys must be strings, got "
                              f"{sorted({type(k).__name__ for k in keys})}")
        h.update(b"D%d:" % len(keys))
        for k in sorted(keys):
            encode(k, h, where)
            encode(obj[k], h, f"{where}[{k!r}]")
    elif isinstance(obj, list | tuple):
        h.update(b"L%d:" % len(obj))
        for i, item in enumerate(obj):
            encode(item, h, f"{where}[{i}]")
    elif isinstance(obj, complex):
        h.update(b"C" + struct.pack("<dd", obj.real, obj.imag))
    elif hasattr(obj, "magnitude") and hasattr(obj, "units"):  # a pint Quantity
        h.update(b"Q")
        encode(obj.magnitude, h, f"{where}.magnitude")
        encode(str(obj.units), h, f"{where}.units")
    elif callable(getattr(obj, "__content__", None)) and not isinstance(obj, type):
        h.update(b"O")
        encode(type(obj).__qualname__, h, where)
        encode(obj.__content__(), h, f"{where}.__content__()")
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        h.update(b"O")
        encode(type(obj).__qualname__, h, where)
        encode({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}, h, where)
    else:
        raise ConfigError(f"cannot hash {where}: type {type(obj).__name__} has no canonical "
                          "encoding (use numbers, strings, NumPy arrays, quantities, "
                          "dicts or lists of these, dataclasses, or give the type a "
                          "__content__() method)")


def content_hash(obj: Any, *, where: str = "value") -> str:
    """SHA-256 hex digest of the canonical encoding of ``obj`` (see the module notes).

    Examples
    --------
    >>> content_hash({"a": 1.0, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1.0})
    True
    >>> content_hash({"a": 1.0}) == content_hash({"a": 1})
    False
    """
    h = hashlib.sha256(FORMAT)
    encode(obj, h, where)
    return h.hexdigest()
