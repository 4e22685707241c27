"""Listing and clearing the tree cache (``kcheck cache info|clear``)."""

from __future__ import annotations

from pathlib import Path

from kcheck.kernel import cache


def test_list_and_clear(tmp_path: Path) -> None:
    assert cache.list_entries(tmp_path) == []
    assert cache.clear(tmp_path) == 0
    meta = {"tree": "/src/linux", "arch": "arm64", "version": "6.12.117", "probes": "x"}
    entry = cache.Entry(key="k1", files=[], env={}, payload={"tree": 1}, meta=meta)
    path = cache.write_entry(tmp_path, entry)
    assert path is not None
    cache.write_entry(tmp_path, cache.Entry(key="k2", files=[], env={}, payload=[2]))
    (tmp_path / "trees" / ".k3.pickle.tmp123").write_bytes(b"left by a killed run")
    infos = cache.list_entries(tmp_path)
    assert sorted(info.path.name for info in infos) == ["k1.pickle", "k2.pickle"]
    by_name = {info.path.name: info for info in infos}
    assert by_name["k1.pickle"].meta == meta
    assert by_name["k2.pickle"].meta == {}
    assert by_name["k1.pickle"].size == path.stat().st_size
    # Entries still load after listing; clearing removes entries, notes and temporaries.
    loaded = cache.read_entry(tmp_path, "k1")
    assert loaded is not None
    assert loaded.payload == {"tree": 1}
    assert cache.clear(tmp_path) == 4
    assert not (tmp_path / "trees").exists()
    assert cache.read_entry(tmp_path, "k1") is None
