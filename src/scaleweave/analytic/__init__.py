"""Closed-form references with their citations, used by cases and tests.

Names are exported lazily from the modules' ``__all__``.
"""

from __future__ import annotations

from scaleweave._lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, globals(), packages=[__name__])
