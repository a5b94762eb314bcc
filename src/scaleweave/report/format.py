"""Numbers, units, values and run facts as text and HTML for the report.

:func:`format_number` writes a number as plain text with a few significant digits;
:func:`format_unit_text` typesets a unit (``A*h`` -> ``A·h``, ``m^2/s`` -> ``m²/s``);
the private helpers build the HTML of a value with its unit and error bar or bounds,
a reference check's tolerance and deviation, a runtime, a commit and a timestamp.
Every piece of text is HTML-escaped with :func:`_e`.
"""

from __future__ import annotations

import html
import math
import re
from datetime import datetime
from functools import lru_cache
from typing import Any

__all__ = ["format_number", "format_unit_text"]

_DASH = "—"
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


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


@lru_cache(maxsize=512)
def format_unit_text(unit: str) -> str:
    """A unit typeset as text: ``·`` between factors, superscript powers, ``µ``.

    The factors keep their spelling (``year`` stays ``year``), a ``u`` prefix on an SI
    symbol becomes ``µ`` and a few names their symbol (``angstrom`` -> ``Å``,
    ``degC`` -> ``°C``, ``percent`` -> ``%``). The unit is written as numerator ``/``
    denominator, the denominator in parentheses when it has several factors; ``""``
    for a pure number. Text that is not a product of powers (``cells per well``,
    ``a.u.``) is returned unchanged.

    Examples
    --------
    >>> format_unit_text("A*h"), format_unit_text("m^2/s"), format_unit_text("W/(m*K)")
    ('A·h', 'm²/s', 'W/(m·K)')
    >>> format_unit_text("1/um^2"), format_unit_text("kg m^-3"), format_unit_text("1")
    ('1/µm²', 'kg/m³', '')
    >>> format_unit_text("cells per well"), format_unit_text("Hz**0.5")
    ('cells per well', 'Hz^0.5')
    """
    terms = _unit_terms(unit)
    if terms is None:
        return unit
    return _join_terms(terms, lambda p: f"^{p:g}")


def _unit_html(unit: Any) -> str:
    """A unit typeset as HTML (``<sup>`` for a non-integer power), escaped."""
    if unit in (None, ""):
        return ""
    terms = _unit_terms(str(unit))
    if terms is None:
        return _e(unit)
    return _join_terms(tuple((_e(sym), p) for sym, p in terms), lambda p: f"<sup>{p:g}</sup>")


_TOKEN = re.compile(r"\s*(\*\*|[*/^()]|[-+]?\d+(?:\.\d+)?|[A-Za-z_µμ°Å%Ω][\w°µμ]*)")
#: SI symbols a ``u`` (micro) prefix is read on: ``um`` -> ``µm``.
_MICRO_OF = {"m", "g", "s", "L", "l", "mol", "M", "V", "A", "W", "J", "N", "Pa", "Hz", "F",
             "S", "C", "H", "T", "Wb", "eV", "K", "m2", "m3"}
_NAMED = {"angstrom": "Å", "Angstrom": "Å", "ohm": "Ω", "degC": "°C", "delta_degC": "Δ°C",
          "percent": "%", "micron": "µm", "degree": "°", "deg": "°"}
_NUMBERLESS = {"dimensionless", "1"}


def _symbol(name: str) -> str:
    if name in _NAMED:
        return _NAMED[name]
    if len(name) > 1 and name[0] == "u" and name[1:] in _MICRO_OF:
        return "µ" + name[1:]
    return name.replace("μ", "µ")


@lru_cache(maxsize=512)
def _unit_terms(unit: str) -> tuple[tuple[str, int | float], ...] | None:
    """(symbol, power) of each factor of ``unit`` in its order, or None when the text is
    not a product of powers of names."""
    text = unit.strip()
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            return None
        tokens.append(m.group(1))
        pos = m.end()
    if not tokens or text in _NUMBERLESS:
        return ()
    if " " in text and not any(t in ("*", "/", "^", "**") for t in tokens):
        return None  # words, not a product (``cells per well``)
    try:
        powers, rest = _product(tokens)
    except (ValueError, IndexError):
        return None
    if rest:
        return None
    return tuple((sym, int(p) if float(p).is_integer() else p)
                 for sym, p in powers.items() if p != 0)


def _product(tokens: list[str]) -> tuple[dict[str, float], list[str]]:
    """``factor (('*' | '/' | nothing) factor)*``, left to right, as powers by symbol."""
    powers: dict[str, float] = {}
    sign = 1.0
    while tokens and tokens[0] != ")":
        if tokens[0] in ("*", "/"):
            sign = -1.0 if tokens.pop(0) == "/" else 1.0
            if not tokens:
                raise ValueError("dangling operator")
        tokens, part = _factor(tokens)
        for sym, p in part.items():
            powers[sym] = powers.get(sym, 0.0) + sign * p
        sign = 1.0
    return powers, tokens


def _factor(tokens: list[str]) -> tuple[list[str], dict[str, float]]:
    head = tokens.pop(0)
    if head == "(":
        part, tokens = _product(tokens)
        if tokens.pop(0) != ")":
            raise ValueError("unbalanced")
    elif head[0].isdigit() or head[0] in "+-":
        if float(head) != 1.0:
            raise ValueError("a number is not a unit")
        part = {}
    elif head in ("*", "/", "^", "**", ")"):
        raise ValueError("operator out of place")
    else:
        part = {} if head in _NUMBERLESS else {_symbol(head): 1.0}
    if tokens and tokens[0] in ("^", "**"):
        tokens.pop(0)
        power = float(tokens.pop(0))
        part = {k: v * power for k, v in part.items()}
    return tokens, part


def _join_terms(terms: tuple[tuple[str, int | float], ...], fraction: Any) -> str:
    def factor(sym: str, p: int | float) -> str:
        if p == 1:
            return sym
        return sym + (str(p).translate(_SUPERSCRIPT) if isinstance(p, int) else fraction(p))

    num = [factor(s, p) for s, p in terms if p > 0]
    den = [factor(s, -p) for s, p in terms if p < 0]
    top = "·".join(num) or ("1" if den else "")
    if not den:
        return top
    bottom = "·".join(den)
    return f"{top}/({bottom})" if len(den) > 1 else f"{top}/{bottom}"


def _with_unit(number_html: str, unit: Any) -> str:
    """``number unit`` (thin no-break space), or the number alone for a pure number."""
    u = _unit_html(unit)
    return f'{number_html}&#8239;<span class="unit">{u}</span>' if u else number_html


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
    typeset = _unit_html(unit)
    unit_html = f' <span class="unit">{typeset}</span>' if typeset else ""
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


def _tolerance_html(comparison: str, tolerance: Any, unit: Any = None) -> str:
    """A reference check's tolerance; an absolute one (``abs``, ``le``, ``ge``) in ``unit``."""
    tol = _float_or_none(tolerance)
    if comparison == "rel":
        pct = _num(tol * 100.0, 3) if tol is not None else _e(format_number(tolerance))
        return f'±{pct}&#8201;% <span class="kind">rel</span>'
    if comparison == "abs":
        return f'±{_with_unit(_num(tolerance), unit)} <span class="kind">abs</span>'
    if comparison in ("le", "ge"):
        sign = "≤" if comparison == "le" else "≥"
        text = f"{sign} expected"
        if tol is not None and tol != 0.0:
            text += f" {'+' if comparison == 'le' else '−'} {_with_unit(_num(abs(tol)), unit)}"
        return text
    return f'{_num(tolerance)} <span class="kind">{_e(comparison)}</span>'


def _deviation_html(comparison: str, ours: Any, expected: Any, unit: Any = None) -> str:
    """Ours minus expected: in per cent for ``rel``, in ``unit`` otherwise."""
    v, x = _float_or_none(ours), _float_or_none(expected)
    if v is None or x is None or not (math.isfinite(v) and math.isfinite(x)):
        return _DASH
    if comparison == "rel":
        if x == 0.0:
            return _DASH
        pct = (v - x) / abs(x) * 100.0
        return _signed(pct) + _num(abs(pct), 2) + "&#8201;%"
    d = v - x
    return _signed(d) + _with_unit(_num(abs(d), 3), unit)


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
