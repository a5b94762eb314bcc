"""Tensor algebra of elasticity against exact identities.

Sources: Mandel notation as an orthonormal basis of symmetric tensors (Mehrabadi &
Cowin 1990, Q. J. Mech. Appl. Math. 43, 15); isotropic tensors are invariant under
every rotation and transversely isotropic ones under rotations about their axis
(Nye 1957, Physical Properties of Crystals, ch. 8); ``S_11 = 1/E``, ``S_12 = -nu/E``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from scaleweave.errors import ConfigError
from scaleweave.materials.tensors import (
    isotropic_stiffness,
    isotropic_stiffness_young,
    mandel_basis,
    mandel_rotation,
    mandel_to_tensor,
    mandel_to_voigt,
    plane_strain_stiffness,
    rotate_stiffness,
    tensor_to_mandel,
    transversely_isotropic_stiffness,
    voigt_to_mandel,
)

RNG = np.random.default_rng(7)
ROTATIONS = Rotation.random(8, random_state=11).as_matrix()


def _sym(d: int) -> np.ndarray:
    a = RNG.normal(size=(d, d))
    return a + a.T


def _track() -> np.ndarray:
    return transversely_isotropic_stiffness(200e9, 170e9, 0.3, 0.3, 75e9)


@pytest.mark.parametrize("d", [2, 3])
def test_mandel_round_trip_and_double_contraction(d):
    a, b = _sym(d), _sym(d)
    assert np.allclose(mandel_to_tensor(tensor_to_mandel(a)), a, rtol=1e-14, atol=1e-14)
    # orthonormal basis: A : B is the dot product of the Mandel vectors
    assert tensor_to_mandel(a) @ tensor_to_mandel(b) == pytest.approx(np.sum(a * b),
                                                                       rel=1e-12)
    assert np.allclose(np.einsum("mij,nij->mn", mandel_basis(d), mandel_basis(d)),
                       np.eye(3 if d == 2 else 6))


def test_mandel_rotation_is_orthogonal_and_rotates_tensors():
    a = _sym(3)
    for rot in ROTATIONS:
        q = mandel_rotation(rot)
        assert np.allclose(q @ q.T, np.eye(6), atol=1e-13)
        assert np.allclose(q @ tensor_to_mandel(a), tensor_to_mandel(rot @ a @ rot.T),
                           atol=1e-12)


def test_voigt_and_mandel_give_the_same_stress():
    c_m = _track()
    c_v = mandel_to_voigt(c_m)
    assert np.allclose(voigt_to_mandel(c_v), c_m, rtol=1e-14)
    eps = 1e-3 * _sym(3)
    e_m = tensor_to_mandel(eps)
    # Voigt: engineering shear strains, plain shear stresses
    e_v = np.array([eps[0, 0], eps[1, 1], eps[2, 2], 2 * eps[1, 2], 2 * eps[0, 2],
                    2 * eps[0, 1]])
    s_v = c_v @ e_v
    sigma = mandel_to_tensor(c_m @ e_m)
    assert np.allclose(s_v, [sigma[0, 0], sigma[1, 1], sigma[2, 2], sigma[1, 2],
                             sigma[0, 2], sigma[0, 1]], rtol=1e-12)
    with pytest.raises(ConfigError):
        voigt_to_mandel(np.eye(4))


def test_isotropic_tensor_is_invariant_under_rotation():
    c = isotropic_stiffness(160e9, 80e9)
    for rot in ROTATIONS:
        assert np.allclose(rotate_stiffness(c, rot), c, rtol=0, atol=1e-12 * c.max())
    c2 = isotropic_stiffness(160e9, 80e9, d=2)
    assert np.allclose(rotate_stiffness(c2, 0.7), c2, rtol=0, atol=1e-12 * c2.max())


def test_transverse_isotropy_is_invariant_about_its_axis_only():
    c = _track()
    about_x1 = Rotation.from_rotvec([0.9, 0.0, 0.0]).as_matrix()
    assert np.allclose(rotate_stiffness(c, about_x1), c, rtol=0, atol=1e-12 * c.max())
    assert not np.allclose(rotate_stiffness(c, 0.9), c, rtol=0, atol=1e-6 * c.max())
    # engineering constants come back out of the compliance
    s = np.linalg.inv(c)
    assert 1 / s[0, 0] == pytest.approx(200e9, rel=1e-12)
    assert 1 / s[1, 1] == pytest.approx(170e9, rel=1e-12)
    assert -s[0, 1] / s[0, 0] == pytest.approx(0.3, rel=1e-12)
    assert 1 / (2 * s[5, 5]) == pytest.approx(75e9, rel=1e-12)
    with pytest.raises(ConfigError, match="positive definite"):
        transversely_isotropic_stiffness(1.0, 1.0, 0.9, 0.3, 1.0)


def test_rotations_compose_and_invert():
    c = _track()
    tol = {"rtol": 0.0, "atol": 1e-12 * c.max()}
    assert np.allclose(rotate_stiffness(rotate_stiffness(c, 0.4), -0.4), c, **tol)
    assert np.allclose(rotate_stiffness(rotate_stiffness(c, 0.4), 0.5),
                       rotate_stiffness(c, 0.9), **tol)
    r1, r2 = ROTATIONS[:2]
    assert np.allclose(rotate_stiffness(rotate_stiffness(c, r2), r1),
                       rotate_stiffness(c, r1 @ r2), **tol)
    # a quarter turn about x3 swaps the 1 and 2 directions
    c90 = rotate_stiffness(c, np.pi / 2)
    assert c90[1, 1] == pytest.approx(c[0, 0], rel=1e-12)
    assert c90[0, 2] == pytest.approx(c[1, 2], rel=1e-12)


def test_isotropic_stiffness_from_young_and_poisson():
    e, nu = 210e9, 0.28
    c = isotropic_stiffness_young(e, nu)
    s = np.linalg.inv(c)
    assert 1 / s[0, 0] == pytest.approx(e, rel=1e-12)
    assert -s[0, 1] / s[0, 0] == pytest.approx(nu, rel=1e-12)
    k, g = e / (3 * (1 - 2 * nu)), e / (2 * (1 + nu))
    assert np.allclose(c, isotropic_stiffness(k, g), rtol=1e-14)
    assert np.allclose(isotropic_stiffness_young(e, nu, d=2), plane_strain_stiffness(c))
    for bad in ((0.0, 0.3), (1.0, 0.5), (1.0, -1.0)):
        with pytest.raises(ConfigError):
            isotropic_stiffness_young(*bad)
