"""`harness prefetch` against a local stand-in of the Hub (tests/helpers/hub_standin.py): the same
huggingface_hub / datasets calls that reach huggingface.co, pointed at 127.0.0.1 by HF_ENDPOINT.
Then the cache is used offline, as a compute node does, and the lock file is checked."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.cluster.lock import PrefetchMissingError, check_lock, read_lock
from harness.cluster.prefetch import human
from harness.config import load_catalog

from helpers.hub_standin import GSM8K_COMMIT as DATA_COMMIT
from helpers.hub_standin import OFFLINE_ENV, HubStandIn, tiny_hub_spec
from helpers.hub_standin import TINY_COMMIT as COMMIT

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow  # subprocesses that import datasets and huggingface_hub (~1 min in all)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    from conftest import write_tiny_catalog

    configs = write_tiny_catalog(tmp_path_factory.mktemp("configs") / "configs", tiny_model_dir)
    (configs / "models" / "tiny-hub.yaml").write_text(yaml.safe_dump(tiny_hub_spec()))
    path = configs / "hub.yaml"
    path.write_text("name: hub\nmodels: [tiny-hub]\ntasks: [gsm8k]\nlimit: 4\n")
    return path


def env_online(hub: HubStandIn) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_ENV and k != "HARNESS_DATA_DIR"}
    return {**env, "HF_ENDPOINT": hub.url, "PYTHONPATH": str(ROOT)}


def prefetch(config: Path, cache: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", "prefetch", str(config), "--cache", str(cache),
                           *extra], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)


def published(hub: HubStandIn) -> dict[str, bytes]:
    folder = hub.root / "models" / "harness-test" / "tiny-llama" / COMMIT
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.fixture(scope="module")
def prefetched(hub: HubStandIn, config: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A dry run, then the real prefetch, into one cache (shared by the tests below, read-only)."""
    cache = tmp_path_factory.mktemp("prefetch") / "cache"
    dry = prefetch(config, cache, env_online(hub), "--dry-run")
    lock_after_dry = (cache / "harness-lock.json").exists()
    before = len(hub.requests)
    run = prefetch(config, cache, env_online(hub))
    return {"cache": cache, "dry": dry, "lock_after_dry": lock_after_dry, "run": run,
            "requests": hub.requests[before:]}


def test_dry_run_reports_the_size_and_downloads_nothing(hub: HubStandIn, prefetched: dict) -> None:
    dry = prefetched["dry"]
    assert dry.returncode == 0, dry.stderr
    total = sum(len(b) for b in published(hub).values())
    assert f"to download: {human(total)}" in dry.stdout and "dry run: nothing downloaded" in dry.stdout
    assert not prefetched["lock_after_dry"]


def test_prefetch_from_the_hub_standin_writes_the_lock(hub: HubStandIn, prefetched: dict) -> None:
    run, cache = prefetched["run"], prefetched["cache"]
    assert run.returncode == 0, run.stderr
    files = published(hub)
    total = sum(len(b) for b in files.values())
    out = run.stdout
    model_line = f"model   tiny-hub{' ' * 29}hub   harness-test/tiny-llama@{COMMIT}  {human(total)} (to fetch)"
    assert model_line in out
    assert "dataset gsm8k                                hub   openai/gsm8k:main:test" in out
    assert out.index("to download:") < out.index("fetched model tiny-hub")  # sizes first, then download
    gets = [r for r in prefetched["requests"] if r.startswith("GET ") and "/resolve/" in r]
    assert f"GET /harness-test/tiny-llama/resolve/{COMMIT}/model.safetensors" in gets
    assert f"GET /datasets/openai/gsm8k/resolve/{DATA_COMMIT}/main/test.jsonl" in gets

    lock = read_lock(cache / "harness-lock.json")
    assert lock is not None
    entry = lock.models["tiny-hub"]
    assert (entry.repo, entry.revision, entry.commit) == ("harness-test/tiny-llama", COMMIT, COMMIT)
    locked = {Path(f.path).name: f for f in entry.files}
    assert sorted(locked) == sorted(files)
    for name, data in files.items():
        assert locked[name].size == len(data)
        assert locked[name].sha256 == hashlib.sha256(data).hexdigest()
    assert locked["model.safetensors"].hash_from == "hub" and locked["config.json"].hash_from == "local"
    data = lock.datasets["gsm8k"]
    assert (data.source, data.dataset) == ("hub", "openai/gsm8k:main:test")
    assert any(f.path.endswith(".arrow") for f in data.files)


def test_second_prefetch_downloads_nothing(hub: HubStandIn, config: Path, prefetched: dict) -> None:
    before = len(hub.requests)
    again = prefetch(config, prefetched["cache"], env_online(hub))
    assert again.returncode == 0 and "everything is already in the cache" in again.stdout
    assert not [r for r in hub.requests[before:] if r.startswith("GET ") and "/resolve/" in r]


def test_the_cache_works_offline(config: Path, prefetched: dict, data_dir: Path) -> None:
    cache = prefetched["cache"]
    offline = {**{k: v for k, v in os.environ.items() if k != "HARNESS_DATA_DIR"}, "HF_HOME": str(cache / "hf"),
               "HF_ENDPOINT": "http://127.0.0.1:9", "PYTHONPATH": str(ROOT), **dict.fromkeys(OFFLINE_ENV, "1")}
    script = (
        "import json\n"
        "from pathlib import Path\n"
        "from harness.config import load_catalog\n"
        "from harness.tasks.base import load_task_data\n"
        "from transformers import AutoTokenizer\n"
        f"cat = load_catalog(Path({str(config.parent)!r}))\n"
        "docs = load_task_data(cat.tasks['gsm8k']).docs\n"
        f"tok = AutoTokenizer.from_pretrained('harness-test/tiny-llama', revision={COMMIT!r})\n"
        "print(json.dumps({'n': len(docs), 'first': docs[0].question, 'vocab': len(tok)}))\n")
    out = subprocess.run([sys.executable, "-c", script], env=offline, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    first = json.loads((data_dir / "gsm8k" / "test.jsonl").read_text().splitlines()[0])["question"]
    assert got["n"] == 1319 and got["first"] == first


def test_the_lock_check_names_what_is_missing(config: Path, prefetched: dict, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(prefetched["cache"], cache, symlinks=True)
    catalog = load_catalog(config.parent)
    model, task = catalog.model("tiny-hub"), catalog.tasks["gsm8k"]
    monkeypatch.delenv("HARNESS_DATA_DIR")
    check_lock(cache / "harness-lock.json", [model], [task])
    lock = read_lock(cache / "harness-lock.json")
    assert lock is not None
    weights = next(f for f in lock.models["tiny-hub"].files if f.path.endswith("model.safetensors"))
    (cache / weights.path).resolve().unlink()
    moved = model.model_copy(update={"source": model.source.model_copy(update={"revision": "f" * 40})})
    with pytest.raises(PrefetchMissingError) as err:
        check_lock(cache / "harness-lock.json", [model, moved, catalog.model("tiny-llama")],
                   [task, catalog.tasks["arc_easy"]])
    line = err.value.one_line()
    assert f"not prefetched into {cache}: model tiny-hub ({cache / weights.path} is missing)" in line
    assert f"model tiny-hub at harness-test/tiny-llama@{'f' * 40} (the lock has harness-test/tiny-llama@{COMMIT})" \
        in line
    assert "model tiny-llama, dataset of task arc_easy" in line
    assert f"(run `harness prefetch CONFIG --cache {cache}` on a login node)" in line


def test_prefetch_refuses_offline_environment(hub: HubStandIn, config: Path, tmp_path: Path) -> None:
    run = prefetch(config, tmp_path / "cache", {**env_online(hub), "HF_HUB_OFFLINE": "1"})
    assert run.returncode == 2
    assert run.stderr.strip() == ("error: HF_HUB_OFFLINE is set, but prefetch downloads (unset it on the login node "
                                  "(compute nodes keep it))")
