"""Adapters: thin wrappers of the field's tools (PyBaMM, ASE, ...), one module each.

They import only ``core`` (and ``materials``); names are exported lazily, so a
heavy library loads only when a name that needs it is used.
"""

from __future__ import annotations

from scaleweave._lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, globals(), packages=[__name__])
