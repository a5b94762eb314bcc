"""The campaign store: one row per finished sample, never mixing campaigns."""

import sqlite3

import numpy as np
import pytest

from scaleweave.errors import ConfigError, ScaleweaveError
from scaleweave.execution import CampaignStore, campaign_key

KEY = campaign_key(case="demo", parameters={"a": 1.0}, seed=0, sampler="mc", n=10)


def test_record_and_read_back(tmp_path):
    path = tmp_path / "out" / "campaign.sqlite"
    with CampaignStore(path, KEY) as store:
        assert store.done() == set() and store.count() == 0
        store.record_ok(0, {"x": np.arange(3.0), "y": 2.5}, 0.01)
        store.record_failure(3, "ValueError: bad\n\nTraceback ...", 0.02)
        store.record_ok(1, {"x": np.ones(3), "y": -1.0}, float("nan"))
        assert store.done() == {0, 1, 3}
        assert store.count() == 3 and store.count("ok") == 2 and store.count("failed") == 1
        assert store.failures() == {3: "ValueError: bad\n\nTraceback ..."}
        assert np.isnan(store.seconds()[1]) and store.seconds()[0] == 0.01
        assert store.meta()["campaign_key"] == KEY
    with CampaignStore(path, KEY) as again:  # reopened: same campaign, same rows
        results = again.results()
        assert sorted(results) == [0, 1]
        assert np.array_equal(results[0]["x"], np.arange(3.0)) and results[1]["y"] == -1.0
        assert again.stale_path is None
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_sample_is_recorded_once(tmp_path):
    store = CampaignStore(tmp_path / "c.sqlite", KEY)
    store.record_ok(5, {"y": 1.0}, 0.0)
    with pytest.raises(ScaleweaveError, match="sample 5 is already recorded"):
        store.record_ok(5, {"y": 2.0}, 0.0)
    with pytest.raises(ScaleweaveError, match="already recorded"):
        store.record_failure(5, "late failure", 0.0)
    assert store.results() == {5: {"y": 1.0}} and store.count() == 1
    store.close()


def test_key_mismatch_starts_fresh_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "campaign.sqlite"
    with CampaignStore(path, KEY) as old:
        old.record_ok(0, {"y": 1.0}, 0.1)
        old.record_ok(1, {"y": 2.0}, 0.1)
    other = campaign_key(case="demo", parameters={"a": 1.0}, seed=1, sampler="mc", n=10)
    with CampaignStore(path, other) as new:
        assert new.count() == 0 and new.done() == set()
        assert new.stale_path is not None and new.stale_path.name.startswith(
            "campaign.sqlite.stale-")
        stale = new.stale_path
    with CampaignStore(stale, KEY) as kept:  # the old campaign, intact, aside
        assert kept.results() == {0: {"y": 1.0}, 1: {"y": 2.0}}
    # a second change of key moves the new file aside too, without clobbering the first
    with CampaignStore(path, KEY) as third:
        assert third.count() == 0 and third.stale_path != stale
    assert len(list(tmp_path.glob("campaign.sqlite.stale-*"))) == 2


def test_a_foreign_file_is_moved_aside(tmp_path):
    path = tmp_path / "campaign.sqlite"
    path.write_text("not a database")
    with CampaignStore(path, KEY) as store:
        assert store.count() == 0 and store.stale_path.read_text() == "not a database"


def test_bad_arguments(tmp_path):
    with pytest.raises(ConfigError, match="is a folder"):
        CampaignStore(tmp_path, KEY)
    with pytest.raises(ConfigError, match="campaign_key"):
        CampaignStore(tmp_path / "c.sqlite", "")
    with CampaignStore(tmp_path / "c.sqlite", KEY) as store, pytest.raises(ConfigError):
        store.record_ok(-1, {}, 0.0)


def test_campaign_key_is_order_independent_and_sensitive():
    assert campaign_key(n=10, seed=0, case="demo") == campaign_key(case="demo", seed=0, n=10)
    assert campaign_key(case="demo", seed=0, n=10) != campaign_key(case="demo", seed=0, n=11)
