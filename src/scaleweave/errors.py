"""The scaleweave error hierarchy: set-up errors (bad input) versus run failures.

A :class:`ConfigError` is raised *before* anything runs, from a check of what the
user gave (parameters, units, graph wiring, step sizes); the CLI turns it into one
line and exit code 2. A :class:`ModelError` is raised *while* a model runs (a NaN,
a solver that did not converge); the CLI prints it with exit code 1. Every message
names what was wrong, where (model and port), and what would be right.

All errors pickle (they carry only strings), so they cross process boundaries of
the ensemble executors unchanged.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CouplingError",
    "MissingExtraError",
    "ModelError",
    "NonFiniteError",
    "ScaleweaveError",
    "StabilityError",
    "UnitError",
    "ValidityError",
    "ValidityWarning",
]


class ScaleweaveError(Exception):
    """Base class of every error scaleweave raises on purpose."""


class ConfigError(ScaleweaveError, ValueError):
    """Bad input found before running: parameters, configuration files, wiring."""


class UnitError(ConfigError):
    """A quantity whose unit has the wrong dimension for where it is used."""


class CouplingError(ConfigError):
    """A study graph or coupler that is wired wrongly.

    Parameters
    ----------
    problems : list of str
        Every problem found, one line each; the message joins them.
    """

    def __init__(self, problems: list[str] | str) -> None:
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))

    def __reduce__(self):  # keep the list when pickled
        return (type(self), (self.problems,))


class StabilityError(ConfigError):
    """An explicit time step above its stability limit, refused before running."""


class MissingExtraError(ConfigError):
    """A case needs an optional dependency group (an *extra*) that is not installed."""


class ModelError(ScaleweaveError, RuntimeError):
    """A failure inside a model while it runs."""


class NonFiniteError(ModelError):
    """A model produced NaN or infinity on one of its output ports."""


class ValidityWarning(UserWarning):
    """A bridge used outside the regime where its approximation holds."""


class ValidityError(ModelError):
    """A bridge left its regime in a study run with ``validity="raise"``."""
