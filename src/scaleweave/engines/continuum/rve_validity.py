"""Scale-separation and resolution diagnostics of an RVE, as validity entries.

:func:`rve_size_validity` checks a cell before it is solved (cell edges per feature,
voxels per feature); :func:`property_change` compares an effective property between
two RVEs (a finer grid, a larger cell). Both return
:class:`~scaleweave.core.checks.Validity` entries; a failed check warns or raises only
as the caller's ``validity`` policy says.
"""

from __future__ import annotations

from scaleweave.core.checks import Validity, apply_validity_policy
from scaleweave.errors import ConfigError

__all__ = ["property_change", "rve_size_validity"]


def rve_size_validity(feature_size: float, voxel_size: float, cell_size: float = 1.0, *,
                      min_features: float = 4.0, min_voxels: float = 4.0,
                      validity: str = "record") -> list[Validity]:
    """Scale-separation and resolution diagnostics of an RVE, before solving it.

    Parameters
    ----------
    feature_size : float
        Largest microstructural length (inclusion diameter, track width, grain size),
        in the unit of ``cell_size``.
    voxel_size : float
        Voxel edge, same unit.
    cell_size : float
        RVE edge, same unit.
    min_features : float
        Cell edges per feature below which the RVE is too small to be representative
        (periodic images of one feature interact; the answer is a property of the
        cell, not of the material).
    min_voxels : float
        Voxels per feature below which the features are unresolved.
    validity : {"record", "warn", "raise"}
        What a failed check does besides being returned: nothing; a
        :class:`~scaleweave.errors.ValidityWarning`; or a
        :class:`~scaleweave.errors.ValidityError`
        (:func:`~scaleweave.core.checks.apply_validity_policy`).

    Returns
    -------
    list of Validity
        ``cell/feature >= min_features`` (below it: enlarge the RVE) and
        ``feature/voxel >= min_voxels`` (below it: refine the grid); each name says so.

    Examples
    --------
    >>> [v.ok for v in rve_size_validity(0.1, 1 / 64)]
    [True, True]
    """
    if min(feature_size, voxel_size, cell_size) <= 0:
        raise ConfigError(f"feature, voxel and cell sizes must be positive, got "
                          f"{feature_size}, {voxel_size}, {cell_size}")
    out = [Validity("fft_homogenization", "RVE size / feature size (scale separation; below "
                    "the limit: enlarge the RVE)", cell_size / feature_size, min_features,
                    "ge"),
           Validity("fft_homogenization", "voxels per feature (resolution; below the limit: "
                    "refine the grid)", feature_size / voxel_size, min_voxels, "ge")]
    apply_validity_policy(out, validity)
    return out


def property_change(coarse: float, fine: float, limit: float, what: str) -> Validity:
    """Relative change of an effective property between two RVEs (resolution or size).

    Examples
    --------
    >>> v = property_change(1.0, 1.01, 0.02, "C11 with resolution")
    >>> round(v.value, 6), v.ok
    (0.009901, True)
    """
    return Validity("fft_homogenization", f"relative change of {what}",
                    abs(fine - coarse) / max(abs(fine), 1e-300), limit)
