"""Reports over case results: one static, self-contained HTML page.

Use :func:`build_report` on the folder given as ``--out`` to ``scaleweave run``.
"""

from __future__ import annotations

from scaleweave.report.html import build_report

__all__ = ["build_report"]
