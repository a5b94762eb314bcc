"""Write one gallery page per case from its declaration (summary, docstring, parameters)."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path


def write_pages(folder: Path) -> list[str]:
    """Write ``folder/<case>.md`` for every built-in case and an index; return the names."""
    from scaleweave.cases import CASES
    from scaleweave.cases.show import describe_case

    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name, (target, summary) in CASES.items():
        module_name, cls_name = target.split(":")
        module = importlib.import_module(module_name)
        cls = getattr(module, cls_name)
        doc = inspect.cleandoc(module.__doc__ or "").split("\n", 1)
        body = doc[1].strip() if len(doc) > 1 else ""
        page = [f"# `{name}`: {cls.title}", "", summary, "", cls.description, "",
                "## What it shows", "", "```{eval-rst}", body or "(see the module)", "```", "",
                "## Parameters", "", "```text", describe_case(cls), "```", "",
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
