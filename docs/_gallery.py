"""Write one gallery page per case from its declaration (summary, docstring, parameters,
study graph, references) and, when a gallery run is at hand, its figures.

Set ``SCALEWEAVE_DOCS_RESULTS`` to a results folder (``scaleweave run all --quick --out
results``) to show each case's figures on its page; without it the pages say how to
make them.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import sys
from pathlib import Path


def _figures(name: str, folder: Path) -> list[str]:
    """Markdown for the figures of a gallery run of ``name``, copied beside the pages."""
    results = os.environ.get("SCALEWEAVE_DOCS_RESULTS")
    summary = Path(results or "") / name / "summary.json"
    if not results or not summary.is_file():
        return ["Run it to see its figures (they are listed in `summary.json` and shown in "
                "`results/index.html`).", ""]
    lines = []
    target = folder / "_figures" / name
    target.mkdir(parents=True, exist_ok=True)
    for png in json.loads(summary.read_text(encoding="utf-8"))["figures"]:
        shutil.copy2(summary.parent / png, target / png)
        lines += [f"![{png}](_figures/{name}/{png})", ""]
    return lines


def write_pages(folder: Path) -> list[str]:
    """Write ``folder/<case>.md`` for every built-in case and an index; return the names."""
    from scaleweave.cases import CASES, load_case
    from scaleweave.cases.show import describe_case

    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name in CASES:
        cls = load_case(name)
        doc = inspect.cleandoc(sys.modules[cls.__module__].__doc__ or "").split("\n", 1)
        body = doc[1].strip() if len(doc) > 1 else ""
        page = [f"# `{name}`: {cls.title}", "", cls.summary, "",
                "## What it shows", "", "```{eval-rst}", body or "(see the module)", "```", "",
                "## What it takes, its study graph and its references", "", "```text",
                describe_case(cls), "```", "",
                "## Figures", "", *_figures(name, folder),
                "## Run it", "", "```text", f"scaleweave run {name} --quick --out results",
                "```", "",
                "The run writes `results/" + name + "/result.nc`, `summary.json` (its "
                "reference checks with sources and tolerances, and its validity "
                "diagnostics) and its figures; `results/index.html` shows them.", ""]
        (folder / f"{name}.md").write_text("\n".join(page), encoding="utf-8")
        names.append(name)
    toc = "\n".join(names)
    (folder / "index.md").write_text(
        "# Gallery\n\nOne page per case: what it shows, what it takes, how to run it.\n\n"
        f"```{{toctree}}\n:maxdepth: 1\n\n{toc}\n```\n", encoding="utf-8")
    return names
