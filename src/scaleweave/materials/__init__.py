"""Shared materials data (crystal structures, parameter sets) and tensor algebra; no physics.

Names are exported lazily from the modules' ``__all__``.
"""

from __future__ import annotations

from scaleweave._lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, globals(), packages=[__name__])
