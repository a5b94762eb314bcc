"""Reading and checking the ``summary.json`` of one case folder for the report.

:func:`_load_case` reads a summary and returns a :class:`_Case`: the summary when
:func:`_check_summary` accepts it, otherwise why it cannot be shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["REQUIRED_KEYS"]

#: Keys every summary must have (with these JSON types) for its case to be shown.
REQUIRED_KEYS: dict[str, type | tuple[type, ...]] = {
    "case": str,
    "title": str,
    "outputs": dict,
    "references": list,
    "validity": list,
}
_REFERENCE_KEYS = ("name", "value", "expected", "tolerance", "passed")
_VALIDITY_KEYS = ("bridge", "diagnostic", "value", "limit", "ok")
_COMPARISONS = ("rel", "abs", "le", "ge")


@dataclass
class _Case:
    """One case folder: its summary, or why the summary could not be read."""

    folder: str
    path: Path
    summary: dict[str, Any] | None = None
    error: str | None = None

    @property
    def references(self) -> list[dict[str, Any]]:
        return self.summary["references"] if self.summary else []

    @property
    def validity(self) -> list[dict[str, Any]]:
        return self.summary["validity"] if self.summary else []

    @property
    def n_passed(self) -> int:
        return sum(1 for r in self.references if r["passed"])

    @property
    def expected_failures(self) -> list[dict[str, Any]]:
        """Deliberate counter-examples outside their limits: shown failing on purpose,
        never counted as failures (see :class:`~scaleweave.core.checks.Validity`)."""
        return [d for d in self.validity if not d["ok"] and d.get("counterexample")]

    @property
    def n_counted(self) -> int:
        """Validity diagnostics that count: all but the expected failures."""
        return len(self.validity) - len(self.expected_failures)

    @property
    def n_ok(self) -> int:
        """Diagnostics that count and are within their limits."""
        return sum(1 for d in self.validity if d["ok"])

    @property
    def status(self) -> tuple[str, str]:
        """(css class, label) of the case's badge."""
        if self.summary is None:
            return "bad", "UNREADABLE"
        if self.n_passed < len(self.references):
            return "bad", "FAIL"
        if self.n_ok < self.n_counted:
            return "warn", "OUTSIDE"
        if not self.references and not self.validity:
            return "neutral", "NO CHECKS"
        return "good", "PASS"

    def reference_unit(self, ref: Mapping[str, Any]) -> str | None:
        """The unit of a reference check's values, or None when it is not known.

        Summaries record it (``unit``); for one written before they did, it is the
        unit of the one output holding exactly the check's value, when the outputs
        that do agree on it.
        """
        if isinstance(ref.get("unit"), str):
            return ref["unit"]
        value = ref.get("value")
        if value is None or self.summary is None:
            return None
        units = {o.get("unit") or "" for o in self.summary["outputs"].values()
                 if o.get("value") == value}
        return units.pop() if len(units) == 1 else None

    def caption(self, figure: str) -> str:
        """A figure's one-line caption: recorded by the run, else from its file name."""
        captions = (self.summary or {}).get("figure_captions") or {}
        text = captions.get(figure)
        if isinstance(text, str) and text.strip():
            return text
        stem = figure.replace("\\", "/").rpartition("/")[2].rpartition(".")[0] or figure
        words = " ".join(stem.replace("_", " ").replace("-", " ").split())
        return words[:1].upper() + words[1:]


def _type_name(t: type | tuple[type, ...]) -> str:
    names = {dict: "an object", list: "a list", str: "a string"}
    return names.get(t, str(t)) if isinstance(t, type) else " or ".join(map(_type_name, t))


def _check_summary(data: Any) -> str | None:
    """Return why ``data`` is not a usable summary, or None when it is."""
    if not isinstance(data, dict):
        return f"top level is {type(data).__name__}, expected an object"
    for key, kind in REQUIRED_KEYS.items():
        if key not in data:
            return f"missing key {key!r}"
        if not isinstance(data[key], kind):
            return f"{key!r} must be {_type_name(kind)}, got {type(data[key]).__name__}"
    for key, kind in (("parameters", dict), ("figures", list), ("figure_captions", dict)):
        if data.get(key) is not None and not isinstance(data[key], kind):
            return f"{key!r} must be {_type_name(kind)}, got {type(data[key]).__name__}"
    for name, entry in data["outputs"].items():
        if not isinstance(entry, dict) or "value" not in entry:
            return f"output {name!r} must be an object with a 'value'"
    for name, entry in (data.get("parameters") or {}).items():
        if not isinstance(entry, dict) or "value" not in entry:
            return f"parameter {name!r} must be an object with a 'value'"
    for list_key, keys, flag in (
        ("references", _REFERENCE_KEYS, "passed"),
        ("validity", _VALIDITY_KEYS, "ok"),
    ):
        for i, entry in enumerate(data[list_key]):
            if not isinstance(entry, dict):
                return f"{list_key}[{i}] must be an object"
            missing = [k for k in keys if k not in entry]
            if missing:
                return f"{list_key}[{i}] lacks {', '.join(map(repr, missing))}"
            if not isinstance(entry[flag], bool):
                return f"{list_key}[{i}].{flag} must be true or false"
    for i, fig in enumerate(data.get("figures") or []):
        if not isinstance(fig, str):
            return f"figures[{i}] must be a file name"
    return None


def _load_case(summary_path: Path) -> _Case:
    folder = summary_path.parent
    case = _Case(folder=folder.name, path=folder)
    try:
        data = json.loads(summary_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        case.error = f"not valid JSON ({exc})"
        return case
    except (OSError, UnicodeDecodeError) as exc:
        case.error = f"cannot read {summary_path.name} ({exc})"
        return case
    problem = _check_summary(data)
    if problem is not None:
        case.error = problem
    else:
        case.summary = data
    return case
