"""The generation log: append-only session files, torn tails, old chunk files, engine seconds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.records import SCHEMA_VERSION, GenerationRecord
from harness.store import RunDir
from harness.store.generations import complete_lines


def gen(key: str, wall: float = 1.0, text: str = "x", error: str | None = None) -> GenerationRecord:
    return GenerationRecord(key=key, doc_id=key, kind="generate", text=text, wall_s=wall, output_tokens=3,
                            error=error)


def test_each_record_is_readable_as_soon_as_it_is_appended(tmp_path: Path) -> None:
    run = RunDir(tmp_path, "k")
    with run.open_writer() as writer:
        writer.append(gen("a"))
        assert set(run.cached_generations()) == {"a"}  # before any close or fsync
        writer.append(gen("b", error="prompt too long"))
        writer.append(gen("c"))
        assert run.generation_keys() == {"a", "c"}
    assert writer.path.name == "session-00000-w0.jsonl"
    with run.open_writer() as second:
        second.append(gen("b"))
    assert second.path.name == "session-00001-w0.jsonl"  # a new session never reopens a file
    assert set(run.cached_generations()) == {"a", "b", "c"}


def test_a_torn_last_line_is_skipped_and_the_rest_kept(tmp_path: Path) -> None:
    run = RunDir(tmp_path, "k")
    with run.open_writer() as writer:
        writer.append(gen("a"))
        writer.append(gen("b"))
    whole = writer.path.read_text()
    writer.path.write_text(whole + gen("c").model_dump_json()[:25])  # kill -9 in the middle of a write
    assert set(run.cached_generations()) == {"a", "b"}
    assert run.generation_keys() == {"a", "b"}


def test_line_separators_inside_outputs_do_not_split_records(tmp_path: Path) -> None:
    run = RunDir(tmp_path, "k")
    odd = "one\u2028two\u0085three\x1cfour\rfive"
    with run.open_writer() as writer:
        writer.append(gen("a", text=odd))
    assert run.cached_generations()["a"].text == odd
    assert len(complete_lines(writer.path)) == 1


def test_old_chunk_files_are_still_read(tmp_path: Path) -> None:
    run = RunDir(tmp_path, "k")
    run.generations_dir.mkdir(parents=True)
    (run.generations_dir / "chunk-00000.jsonl").write_text(gen("a", 4.0).model_dump_json() + "\n")
    (run.generations_dir / "chunk-00001.jsonl").write_text(gen("b", 2.0).model_dump_json() + "\n")
    with run.open_writer() as writer:
        writer.append(gen("c", 1.5))
    assert set(run.cached_generations()) == {"a", "b", "c"}
    assert run.generation_wall_s() == pytest.approx(7.5)


def test_engine_seconds_count_parallel_workers_once(tmp_path: Path) -> None:
    run = RunDir(tmp_path, "k")
    with run.open_writer(worker=0, session=3) as w0, run.open_writer(worker=1, session=3) as w1:
        for i, wall in enumerate([1.0, 2.0, 6.0]):
            w0.append(gen(f"a{i}", wall))
        for i, wall in enumerate([3.0, 5.0]):
            w1.append(gen(f"b{i}", wall))
    with run.open_writer() as later:  # a resumed session: its own time adds up
        later.append(gen("c", 2.5))
    assert later.path.name == "session-00004-w0.jsonl"
    assert run.generation_wall_s() == pytest.approx(6.0 + 2.5)


def test_a_session_that_finished_nothing_leaves_no_file(tmp_path: Path) -> None:
    run = RunDir(tmp_path, "k")
    with run.open_writer():
        pass
    assert not list(run.generations_dir.iterdir())


def test_records_are_versioned_json_lines(tmp_path: Path) -> None:
    run = RunDir(tmp_path, "k")
    run.append_chunk([gen("a"), gen("b")])
    (path,) = run.generations_dir.iterdir()
    rows = [json.loads(x) for x in path.read_text().split("\n") if x]
    assert [r["key"] for r in rows] == ["a", "b"]
    assert all(r["schema_version"] == SCHEMA_VERSION for r in rows)
