"""A case's figures on the report page: the headline, then the others, each captioned.

The headline figure (the case's first) is shown large; the others follow at a
readable size, two to a row, or one to a row when the figure is wide. Each has a
numbered one-line caption taken from the figure itself (the run records it in
``summary.json``, key ``figure_captions``: see
:func:`scaleweave.core.results.figure_caption`), and links to its full-size file.
"""

from __future__ import annotations

import struct
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from scaleweave.report.format import _e
from scaleweave.report.summary import _Case

__all__: list[str] = []

#: A figure wider than this (in pixels of its PNG, saved at 130 dpi) would be shrunk
#: below about 60 % in a half-width column, so it takes a whole row.
WIDE_PX = 800


def _png_size(path: Path) -> tuple[int, int] | None:
    """Width and height of a PNG from its header, or None."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(24)
    except OSError:
        return None
    if len(head) == 24 and head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return int(width), int(height)
    return None


def _href(folder: str, relative: str) -> str:
    parts = [quote(folder), *(quote(p) for p in PurePosixPath(relative).parts)]
    return _e("/".join(parts))


def _figure_html(case: _Case, fig: str, rel: PurePosixPath, number: int, headline: bool,
                 size: tuple[int, int] | None) -> str:
    href = _href(case.folder, rel.as_posix())
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    caption = case.caption(fig)
    assert case.summary is not None
    alt = _e(f"{case.summary['title']}: {caption}")
    if headline:
        cls = "headline"
    else:
        cls = "secondary wide" if size and size[0] > WIDE_PX else "secondary"
    lazy = "" if headline else ' loading="lazy"'
    return (
        f'<figure class="{cls}" id="{_e(case.folder)}-fig-{number}">'
        f'<a href="{href}" title="open full size"><img src="{href}" alt="{alt}"{dims}{lazy}>'
        f'</a><figcaption><span class="fig-label">Figure {number}.</span> {_e(caption)} '
        f'<span class="fig-file">{_e(rel.name)}</span></figcaption></figure>'
    )


def _figures_html(case: _Case) -> str:
    """The headline figure, then the others in a grid; missing files are noted."""
    assert case.summary is not None
    figures = [f for f in case.summary.get("figures") or [] if f]
    parts: list[str] = []
    others: list[str] = []
    number = 0
    for fig in figures:
        rel = PurePosixPath(fig.replace("\\", "/"))
        if rel.is_absolute() or ".." in rel.parts:
            parts.append(f'<p class="note">figure {_e(fig)} skipped: outside the case folder</p>')
            continue
        file = case.path.joinpath(*rel.parts)
        if not file.is_file():
            parts.append(f'<p class="note">figure missing: {_e(fig)}</p>')
            continue
        number += 1
        block = _figure_html(case, fig, rel, number, number == 1, _png_size(file))
        (parts if number == 1 else others).append(block)
    if others:
        parts.append('<div class="figures">' + "".join(others) + "</div>")
    return "\n".join(parts)
