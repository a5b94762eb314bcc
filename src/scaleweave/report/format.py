"""Numbers, values and run facts as text and HTML for the report.

:func:`format_number` writes a number as plain text with a few significant digits;
the private helpers build the HTML of a value with its error bar or bounds, a
reference check's tolerance and deviation, a runtime, a commit and a timestamp.
Every piece of text is HTML-escaped with :func:`_e`.
"""

from __future__ import annotations

import html
import math
from datetime import datetime
from typing import Any

__all__ = ["format_number"]

_DASH = "—"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def format_number(x: Any, sig: int = 4) -> str:
    """Format a number as plain text with ``sig`` significant digits.

    Values from 0.001 to below 100000 are written in fixed notation, others in
    scientific notation (``1.5e-7``); trailing zeros are dropped. NaN and infinity
    become ``nan``, ``inf`` and ``-inf``; ``None`` becomes an em dash. Strings are
    returned unchanged and integers below 100000 exactly.

    Parameters
    ----------
    x : float, int, str or None
        The value.
    sig : int
        Significant digits (at least 1).

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(3.14159265)
    '3.142'
    >>> format_number(1.5e-7)
    '1.5e-7'
    >>> format_number(6.02214076e23)
    '6.022e23'
    >>> format_number(float("nan")), format_number(float("-inf"))
    ('nan', '-inf')
    """
    sig = max(int(sig), 1)
    if x is None:
        return _DASH
    if isinstance(x, str):
        return x
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int) and abs(x) < 100_000:
        return str(x)
    try:
        v = float(x)
    except (TypeError, ValueError, OverflowError):
        return str(x)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0.0:
        return "0"
    exponent = math.floor(math.log10(abs(v)))
    if -3 <= exponent < 5:
        text = f"{v:.{max(sig - 1 - exponent, 0)}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    mantissa, _, exp = f"{v:.{sig - 1}e}".partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exp)}"


def _is_nonfinite(x: Any) -> bool:
    if isinstance(x, bool | str) or x is None:
        return False
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError, OverflowError):
        return False


def _num(x: Any, sig: int = 4) -> str:
    """HTML for a number: scientific notation as ``m × 10<sup>e</sup>``."""
    text = format_number(x, sig)
    if _is_nonfinite(x):
        return f'<span class="nonfinite">{_e(text)}</span>'
    if isinstance(x, int | float) and not isinstance(x, bool) and "e" in text:
        mantissa, _, exp = text.partition("e")
        exp = exp.replace("-", "\u2212")
        full = _e(repr(float(x)))
        return (
            f'<span class="num" title="{full}">{_e(mantissa)}&#8201;×&#8201;10'
            f"<sup>{exp}</sup></span>"
        )
    return _e(text)


def _float_or_none(x: Any) -> float | None:
    if x is None or isinstance(x, bool | str):
        return None
    try:
        return float(x)
    except (TypeError, ValueError, OverflowError):
        return None


def _value_html(value: Any, unit: Any, lo: Any = None, hi: Any = None,
                kind: Any = None) -> str:
    """``value ± half-width unit`` for a symmetric bar, ``value [lo, hi] unit`` otherwise;
    bounds (an interval or a p-box's range, ``kind == "bounds"``) as ``[lo, hi] unit``."""
    unit_html = f' <span class="unit">{_e(unit)}</span>' if unit not in (None, "") else ""
    out = _num(value)
    if kind == "bounds" and lo is not None and hi is not None:
        bounds = (f'<span class="interval bounds" title="bounds, not a distribution">'
                  f'[{_num(lo)}, {_num(hi)}]</span>')
        v, fl, fh = _float_or_none(value), _float_or_none(lo), _float_or_none(hi)
        # A value that is not the bounds' midpoint is a result of its own (an FFT
        # modulus inside its Voigt-Reuss bounds): show it, then the bounds.
        if (v is not None and fl is not None and fh is not None
                and abs(v - 0.5 * (fl + fh)) > 1e-9 * max(abs(fl), abs(fh), 1e-300)):
            return f'{out} <span class="within">within</span> {bounds}{unit_html}'
        return bounds + unit_html
    v, fl, fh = _float_or_none(value), _float_or_none(lo), _float_or_none(hi)
    if lo is None and hi is None:
        return out + unit_html
    if (
        v is not None
        and fl is not None
        and fh is not None
        and all(math.isfinite(t) for t in (v, fl, fh))
    ):
        below, above = v - fl, fh - v
        scale = max(abs(below), abs(above), abs(v) * 1e-12, 1e-300)
        if below >= 0 and above >= 0 and abs(below - above) <= 1e-6 * scale:
            half = 0.5 * (below + above)
            return f'{out} <span class="pm">± {_num(half, 2)}</span>{unit_html}'
    lo_html = _num(lo) if lo is not None else "…"
    hi_html = _num(hi) if hi is not None else "…"
    return f'{out} <span class="interval">[{lo_html}, {hi_html}]</span>{unit_html}'


def _tolerance_html(comparison: str, tolerance: Any) -> str:
    tol = _float_or_none(tolerance)
    if comparison == "rel":
        pct = format_number(tol * 100.0, 3) if tol is not None else format_number(tolerance)
        return f'±{_e(pct)}&#8201;% <span class="kind">rel</span>'
    if comparison == "abs":
        return f'±{_num(tolerance)} <span class="kind">abs</span>'
    if comparison in ("le", "ge"):
        sign = "≤" if comparison == "le" else "≥"
        text = f"{sign} expected"
        if tol is not None and tol != 0.0:
            text += f" {'+' if comparison == 'le' else '−'} {_num(abs(tol))}"
        return text
    return f'{_num(tolerance)} <span class="kind">{_e(comparison)}</span>'


def _deviation_html(comparison: str, ours: Any, expected: Any) -> str:
    v, x = _float_or_none(ours), _float_or_none(expected)
    if v is None or x is None or not (math.isfinite(v) and math.isfinite(x)):
        return _DASH
    if comparison == "rel":
        if x == 0.0:
            return _DASH
        pct = (v - x) / abs(x) * 100.0
        return _signed(pct) + _num(abs(pct), 2) + "&#8201;%"
    d = v - x
    return _signed(d) + _num(abs(d), 3)


def _signed(x: float) -> str:
    return "+" if x > 0 else ("−" if x < 0 else "")


def _duration(seconds: Any) -> str:
    s = _float_or_none(seconds)
    if s is None:
        return _e(format_number(seconds)) if seconds is not None else _DASH
    if not math.isfinite(s):
        return _num(s)
    text = f"{format_number(s, 3)}&#8201;s"
    if s >= 120.0:
        minutes, rest = divmod(round(s), 60)
        hours, minutes = divmod(minutes, 60)
        long = f"{hours} h {minutes} min" if hours else f"{minutes} min {rest} s"
        text += f' <span class="muted">({long})</span>'
    return text


def _short_commit(commit: Any) -> str:
    if commit is None or commit == "":
        return "not a git checkout"
    return str(commit)[:10]


def _commit_html(commit: Any) -> str:
    if commit is None or commit == "":
        return '<span class="muted">not a git checkout</span>'
    return f'<code title="{_e(commit)}">{_e(_short_commit(commit))}</code>'


def _created_html(created: Any) -> str:
    """An ISO timestamp as ``YYYY-MM-DD HH:MM:SS UTC``; other text unchanged."""
    if created is None or created == "":
        return _DASH
    try:
        when = datetime.fromisoformat(str(created))
    except ValueError:
        return _e(created)
    text = f"{when:%Y-%m-%d %H:%M:%S}"
    offset = when.utcoffset()
    if offset is not None:
        text += " UTC" if offset.total_seconds() == 0 else f" UTC{when:%z}"
    return f'<time datetime="{_e(created)}">{_e(text)}</time>'
