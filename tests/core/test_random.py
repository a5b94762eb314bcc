"""Per-sample seeds: equal to SeedSequence.spawn, computable one at a time."""

import numpy as np
import pytest

from scaleweave.errors import ConfigError
from scaleweave.execution import sample_rng, sample_seed


@pytest.mark.parametrize("root", [0, 1, 12345, 2**63 + 7])
def test_sample_seed_equals_spawn(root):
    children = np.random.SeedSequence(root).spawn(50)
    for i in (0, 1, 17, 49):
        ours = sample_seed(root, i)
        assert ours.entropy == children[i].entropy
        assert ours.spawn_key == children[i].spawn_key
        assert np.array_equal(ours.generate_state(8), children[i].generate_state(8))


def test_sample_seed_does_not_depend_on_ensemble_size():
    small = np.random.SeedSequence(3).spawn(5)[4]
    large = np.random.SeedSequence(3).spawn(5000)[4]
    assert np.array_equal(sample_seed(3, 4).generate_state(4), small.generate_state(4))
    assert np.array_equal(small.generate_state(4), large.generate_state(4))


def test_sample_rng_draws_the_spawned_stream():
    expected = np.random.default_rng(np.random.SeedSequence(9).spawn(8)[7]).standard_normal(6)
    assert np.array_equal(sample_rng(9, 7).standard_normal(6), expected)
    assert not np.array_equal(sample_rng(9, 6).standard_normal(6), expected)


@pytest.mark.parametrize(("root", "index"), [(-1, 0), (0, -2), (1.5, 0), (0, True), ("1", 0)])
def test_bad_seeds_are_config_errors(root, index):
    with pytest.raises(ConfigError, match="non-negative integer"):
        sample_seed(root, index)
