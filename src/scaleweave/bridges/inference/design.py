"""The design of a hierarchical calibration: groups nested in levels.

A :class:`Design` names the levels, outermost first (tissues, then cell types; sites,
then plots), the group labels of each level and every group's parent in the level
above, and checks that the nesting is complete. Data rows belong to the innermost
level. Used by :func:`scaleweave.bridges.inference.hierarchical.fit_hierarchical`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scaleweave.errors import ConfigError

__all__ = ["Design"]


@dataclass(frozen=True)
class Design:
    """Groups nested in levels, outermost first.

    Parameters
    ----------
    levels : tuple of str
        Level names, outermost first (``("tissue", "cell_type")``).
    groups : mapping of str -> tuple of str
        Group labels of each level.
    parents : mapping of str -> mapping of str -> str
        For every level but the first: group label -> label of its parent group in
        the level above.

    Raises
    ------
    ConfigError
        A parent label that is not a group of the level above, a group without a
        parent, repeated labels, or an empty level.
    """

    levels: tuple[str, ...]
    groups: Mapping[str, tuple[str, ...]]
    parents: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.levels:
            raise ConfigError("a hierarchical design needs at least one level")
        for k, level in enumerate(self.levels):
            if not level.isidentifier():
                raise ConfigError(f"level name {level!r} must be an identifier")
            labels = tuple(str(g) for g in self.groups.get(level, ()))
            if not labels:
                raise ConfigError(f"level {level!r} of the design has no groups")
            if len(set(labels)) != len(labels):
                dup = sorted({g for g in labels if labels.count(g) > 1})
                raise ConfigError(f"level {level!r}: repeated group labels {dup}")
            if k == 0:
                continue
            above = set(self.groups[self.levels[k - 1]])
            par = self.parents.get(level, {})
            missing = [g for g in labels if g not in par]
            if missing:
                raise ConfigError(f"level {level!r}: groups {missing[:5]} have no parent in "
                                  f"level {self.levels[k - 1]!r}")
            wrong = {g: par[g] for g in labels if par[g] not in above}
            if wrong:
                raise ConfigError(f"level {level!r}: parents {wrong} are not groups of level "
                                  f"{self.levels[k - 1]!r} ({sorted(above)[:8]}...)")

    @classmethod
    def single(cls, level: str, labels: Sequence[Any]) -> Design:
        """One level of groups (eight schools, tissues of one organism)."""
        return cls((level,), {level: tuple(str(g) for g in labels)})

    @classmethod
    def nested(cls, levels: Sequence[str], table: Sequence[Sequence[Any]]) -> Design:
        """A design from rows ``(outer label, ..., inner label)``, one per inner group.

        Inner labels need only be unique within their parent: they are prefixed with
        the parent's path (``"liver/hepatocyte"``).
        """
        levels = tuple(levels)
        groups: dict[str, list[str]] = {lv: [] for lv in levels}
        parents: dict[str, dict[str, str]] = {lv: {} for lv in levels[1:]}
        for row in table:
            if len(row) != len(levels):
                raise ConfigError(f"design row {tuple(row)} must give one label per level "
                                  f"{levels}")
            path = [str(row[0])]
            for k in range(1, len(levels)):
                path.append(f"{path[-1]}/{row[k]}")
            for k, lv in enumerate(levels):
                if path[k] not in groups[lv]:
                    groups[lv].append(path[k])
                if k:
                    parents[lv][path[k]] = path[k - 1]
        return cls(levels, {k: tuple(v) for k, v in groups.items()}, parents)

    @property
    def inner(self) -> str:
        """The innermost level (the one data rows belong to)."""
        return self.levels[-1]

    def parent_index(self, level: str) -> np.ndarray:
        """For each group of ``level``, the index of its parent in the level above."""
        k = self.levels.index(level)
        above = {g: i for i, g in enumerate(self.groups[self.levels[k - 1]])}
        return np.array([above[self.parents[level][g]] for g in self.groups[level]], dtype=int)
