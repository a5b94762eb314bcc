"""A case's plan checked before it runs: ensemble sizes in the user's numbers, and memory.

:func:`check_plan` builds a case's studies (wiring only: nothing runs) and, for each
study with uncertain inputs, checks the sizes its sampling asks for
(:func:`scaleweave.uq.sizes.check_sizes`, Sobol' base sizes) and estimates the
memory its samples hold. Every message names the study, the parameter the size
comes from and where it was set (``n_samples (--samples) = 4000``), and suggests a
size that works (``use 4096``).

Memory: each sample of a study keeps every port of every model (8 bytes a number,
sizes named by another parameter counted as one) and its uncertain inputs; three
copies are counted (the outputs, the Dataset, the campaign's chunks). An ensemble
estimated above half of this machine's memory is refused.
"""

from __future__ import annotations

import math
import os
from typing import Any

from scaleweave.errors import ConfigError

__all__ = ["check_plan", "memory_limit"]

#: Copies of an ensemble's samples held at once (outputs, Dataset, campaign chunks).
COPIES = 3


def memory_limit() -> float | None:
    """Bytes an ensemble may hold: half of the physical memory (None: unknown)."""
    try:
        return 0.5 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        return None


def _size_label(params: Any, key: str, value: int, samples_parameter: str | None) -> str:
    """The parameter a sampling size comes from, and where it was set, for messages."""
    names = [key, samples_parameter] if key == "n" else [key]
    names += [n for n in params if n not in names]
    for n in names:
        if n in params and not isinstance(params[n], (str, bool)) and params[n] == value:
            source = params.sources.get(n, "default")
            return f"{n} ({source})" if source != "default" else n
    return f"{key} (the case's sampling)"


def _values_per_row(study: Any, n_uncertain: int) -> int:
    """Numbers one sample keeps: every port of every model, and the uncertain inputs."""
    count = n_uncertain
    for model in study.models.values():
        for port in (*model.inputs, *model.outputs):
            count += math.prod(s for s in (port.shape or ()) if isinstance(s, int))
    return count


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.3g} GiB"


def _check_memory(where: str, label: str, size: int, rows: int, per_row: int,
                  qmc: bool) -> None:
    limit = memory_limit()
    need = COPIES * 8.0 * rows * per_row
    if limit is None or need <= limit:
        return
    most = max(1, int(size * limit / need))
    if qmc:
        most = 2 ** int(math.log2(most))
    raise ConfigError(f"{where}: {label} = {size} would hold about {_gib(need)} of samples "
                      f"({per_row} numbers each, {COPIES} copies), more than half of this "
                      f"machine's {_gib(2 * limit)} of memory; use at most {most}")


def check_plan(case: Any, params: Any, ctx: Any) -> list[str]:
    """Check a case's ensembles before anything runs; return their study labels.

    Parameters
    ----------
    case : Case
        The case (an instance).
    params : ParameterValues
        Its resolved parameters.
    ctx : RunContext
        How it will run (its studies may read the seed and ``quick``).

    Returns
    -------
    list of str
        The labels of the studies with uncertain inputs (the ensembles).

    Raises
    ------
    ConfigError
        A size the sampler cannot use, or an ensemble too large for memory; the
        message names the study and the parameter.
    """
    from scaleweave.core.study import Study
    from scaleweave.uq.propagate import in_port_units, plan
    from scaleweave.uq.sizes import check_sizes, design_rows

    ensembles = []
    for label, study in case.studies(params, ctx).items():
        if not isinstance(study, Study):
            continue
        uncertain = {n: params.uncertain[n] for n in study.bindings if n in params.uncertain}
        if not uncertain:
            continue
        ensembles.append(label)
        where = f"case {case.name!r}: study {label!r}"
        uncertain = in_port_units(study, uncertain)
        smp = case.sampling(label, params)
        sizes = {"n": smp.n, "n_outer": smp.n_outer, "n_inner": smp.n_inner}
        labels = {k: _size_label(params, k, v, case.samples_parameter)
                  for k, v in sizes.items()}
        per_row = _values_per_row(study, len(uncertain))
        mode = plan(uncertain)[2]
        key = "n_inner" if mode == "pbox" else "n"  # the size the rows grow with
        # Memory first: its suggestion is a size that also suits the sampler.
        _check_memory(where, labels[key], sizes[key],
                      design_rows(uncertain, n=smp.n, n_outer=smp.n_outer,
                                  n_inner=smp.n_inner), per_row,
                      qmc=smp.method == "qmc" or mode == "interval")
        try:
            check_sizes(uncertain, n=smp.n, method=smp.method, n_outer=smp.n_outer,
                        n_inner=smp.n_inner, labels=labels)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        ordinary = [n for n, d in uncertain.items() if not d.is_interval]
        if smp.sobol and mode == "distribution" and len(ordinary) >= 2:
            _check_sobol(where, smp.n_base, _size_label(params, "n_base", smp.n_base, None),
                         rows=smp.n_base * (2 * len(ordinary) + 2), per_row=per_row)
    return ensembles


def _check_sobol(where: str, n_base: int, label: str, *, rows: int, per_row: int) -> None:
    """Sobol' base sizes: a power of two (Sobol' points keep their balance), and memory."""
    if n_base < 2 or n_base & (n_base - 1):
        lo = 2 ** max(1, math.floor(math.log2(max(n_base, 2))))
        use = lo if n_base - lo <= 2 * lo - n_base else 2 * lo
        raise ConfigError(f"{where}: {label} = {n_base}: the Sobol' base sample size must be "
                          f"a power of two (Sobol' points keep their balance); use {use}")
    _check_memory(where, label, n_base, rows, per_row, qmc=True)
