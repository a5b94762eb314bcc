"""Cases ``run all`` skipped for a missing optional extra, recorded for the report.

``scaleweave run all`` skips a case whose optional dependencies (its *extra*) are
not installed. :func:`write_skipped` records those cases in ``OUT/skipped.json``
(and removes the file when none was skipped), so the page lists them with the
command that installs what they need::

    {"skipped": [{"case": "battery",
                  "missing": [{"module": "pybamm", "extra": "battery"}],
                  "install": "pip install 'scaleweave[battery]'"}]}
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scaleweave.report.format import _e

__all__ = ["SKIPPED_FILE", "read_skipped", "write_skipped"]

#: The file in the results folder.
SKIPPED_FILE = "skipped.json"


def write_skipped(out_dir: str | os.PathLike[str],
                  missing: Mapping[str, Sequence[tuple[str, str]]]) -> Path | None:
    """Record the cases skipped for a missing extra in ``out_dir/skipped.json``.

    Parameters
    ----------
    out_dir : path
        The results folder of ``run all`` (it exists).
    missing : mapping of str -> sequence of (module, extra)
        Each case's missing requirements (``Case.missing_requirements()``); a case
        with none ran and is left out.

    Returns
    -------
    pathlib.Path or None
        The file written, or None when nothing was skipped (a stale file is removed).
    """
    path = Path(out_dir) / SKIPPED_FILE
    entries = []
    for case, pairs in missing.items():
        if not pairs:
            continue
        extras = list(dict.fromkeys(extra for _, extra in pairs))
        entries.append({"case": case,
                        "missing": [{"module": m, "extra": e} for m, e in pairs],
                        "install": f"pip install 'scaleweave[{','.join(extras)}]'"})
    if not entries:
        path.unlink(missing_ok=True)
        return None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"skipped": entries}, fh, indent=2)
            fh.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_skipped(folder: Path) -> tuple[list[dict[str, Any]], str | None]:
    """The recorded skipped cases, and why the file could not be read (or None)."""
    path = folder / SKIPPED_FILE
    if not path.is_file():
        return [], None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [], f"{SKIPPED_FILE} cannot be read ({exc})"
    entries = data.get("skipped") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("case"), str) for e in entries):
        return [], f"{SKIPPED_FILE} is not a list of skipped cases"
    return entries, None


def _skipped_html(folder: Path, shown: set[str]) -> str:
    """The page's section on skipped cases ("" when none was skipped)."""
    entries, problem = read_skipped(folder)
    if problem:
        return f'<p class="note">{_e(problem)}</p>'
    if not entries:
        return ""
    rows = []
    for e in entries:
        missing = e.get("missing") if isinstance(e.get("missing"), list) else []
        modules = ", ".join(f"<code>{_e(m.get('module', '?'))}</code>"
                            for m in missing if isinstance(m, dict)) or "—"
        earlier = (' <span class="muted">(the results below are from an earlier run)</span>'
                   if e["case"] in shown else "")
        rows.append(f"<tr><td class=\"name\"><code>{_e(e['case'])}</code>{earlier}</td>"
                    f"<td>{modules}</td><td><code>{_e(e.get('install', ''))}</code></td></tr>")
    n = len(entries)
    return (
        f'<section class="skipped-cases" id="sw-skipped">\n<h2>Skipped: {n} case'
        f'{"s" if n != 1 else ""} whose optional extra is not installed</h2>\n'
        '<p class="muted">Install the extra, then run the case again.</p>\n'
        '<div class="table-wrap"><table class="data skipped">\n<thead><tr>'
        '<th scope="col">Case</th><th scope="col">Missing package</th>'
        '<th scope="col">Install with</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows) + "\n</tbody></table></div>\n</section>"
    )
