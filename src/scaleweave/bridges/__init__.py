"""Bridges: what carries a quantity from one scale to the next, with its validity diagnostics.

Names are imported lazily: ``import scaleweave.bridges`` stays cheap and an
optional library loads only when a name that needs it is used.
"""

from __future__ import annotations

from scaleweave._lazy import lazy_exports

# Every public name of every module below this package, read from their __all__.
__getattr__, __dir__ = lazy_exports(__name__, globals(), packages=[__name__])
