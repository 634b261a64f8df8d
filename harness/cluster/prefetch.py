"""`harness prefetch`: fill a shared cache on the login node so compute nodes can run offline.

Every model of a config at its pinned revision (weights, tokenizer, chat template) and every
task's dataset go into `<cache>`:

    <cache>/hf/hub/…            Hub models (huggingface_hub's own cache layout; HF_HOME=<cache>/hf)
    <cache>/hf/datasets/…       Hub datasets, as `datasets.load_dataset` caches them
    <cache>/harness/models/…    GGUF packages dequantized to safetensors (HARNESS_CACHE_DIR)
    <cache>/harness-lock.json   what is there, with sizes and sha256 (harness.cluster.lock)

Local sources (a model directory, the `$HARNESS_DATA_DIR` mirror) are not copied, only hashed
into the lock. The sizes to download are reported before anything downloads (huggingface_hub's
own dry run of the same download). The Hub is reached only through huggingface_hub and datasets,
so `HF_ENDPOINT` points the whole path at a mirror (the tests use a local stand-in).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.cluster.lock import LockedData, LockedFile, LockedModel, data_source, missing, read_lock, update_lock
from harness.cluster.records import now
from harness.cluster.scripts import CacheLayout
from harness.config import load_run
from harness.errors import HarnessError, InputError
from harness.plan import cpu_weight_bytes
from harness.specs import ModelSpec, TaskSpec
from harness.tasks.base import file_sha256

Echo = Callable[[str], None]
# Files a model needs: config, weights, tokenizer, chat template. Not the `original/` checkpoints,
# Apple `metal/` weights or Mistral's duplicate `consolidated` files.
MODEL_FILES = ["*.json", "*.safetensors", "*.bin", "*.model", "*.tiktoken", "*.jinja", "*.txt"]
SKIP_FILES = ["original/*", "metal/*", "consolidated*", "*.pth", "onnx/*", "*.gguf"]
OFFLINE_VARS = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")


@dataclass
class Item:
    """One model or dataset to put in the cache."""

    kind: str  # model | dataset
    id: str
    source: str
    where: str
    size: int | None  # bytes still to fetch (None: unknown)
    present: bool
    model: ModelSpec | None = None
    task: TaskSpec | None = None
    files: list[str] | None = None  # Hub model: the files to download


def human(n: float | None) -> str:
    if n is None:
        return "size unknown"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1000
    return f"{n:.1f} TB"


def locked_file(path: Path, rel_to: Path | None) -> LockedFile:
    """A file's lock entry. A Hub cache blob named by 64 hex digits is the Hub's LFS sha256."""
    real = path.resolve()
    name = str(path.relative_to(rel_to)) if rel_to is not None else str(path)
    if re.fullmatch(r"[0-9a-f]{64}", real.name):
        return LockedFile(path=name, size=real.stat().st_size, sha256=real.name, hash_from="hub")
    return LockedFile(path=name, size=real.stat().st_size, sha256=file_sha256(real))


def _hub_listing(model: ModelSpec, cache: CacheLayout) -> tuple[list[str], int, bool]:
    """(files to fetch, bytes still to download, all present) from huggingface_hub's dry run."""
    from huggingface_hub import snapshot_download

    assert model.source.repo is not None
    infos = snapshot_download(model.source.repo, revision=model.source.revision, cache_dir=cache.hf_home / "hub",
                              allow_patterns=MODEL_FILES + (["*.py"] if model.trust_remote_code else []),
                              ignore_patterns=SKIP_FILES, dry_run=True)
    if any(i.filename.endswith(".safetensors") for i in infos):
        infos = [i for i in infos if not i.filename.endswith(".bin")]
    size = sum(i.file_size or 0 for i in infos if i.will_download)
    return [i.filename for i in infos], size, not any(i.will_download for i in infos)


def plan_items(models: list[ModelSpec], tasks: list[TaskSpec], cache: CacheLayout) -> list[Item]:
    """What each model and dataset needs, and how much of it is still to download."""
    lock = read_lock(cache.lock_file)
    items: list[Item] = []
    for m in models:
        present = not missing(lock, cache.root, [m], [])
        src = m.source
        if src.type == "hub":
            try:
                files, size, cached = _hub_listing(m, cache)
            except Exception as exc:  # noqa: BLE001 - offline, gated, unknown repo: say which and why
                raise HarnessError(f"model '{m.id}': cannot list {src.repo}@{src.revision} on the Hub "
                                   f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})",
                                   "check the network, HF_TOKEN for gated models, and the pinned revision") from None
            items.append(Item("model", m.id, "hub", f"{src.repo}@{src.revision or 'main'}", size,
                              present and cached, model=m, files=files))
        elif src.type == "gguf":
            items.append(Item("model", m.id, "gguf", f"{src.package or src.file} (dequantized)",
                              0 if present else int(cpu_weight_bytes(m)), present, model=m))
        else:
            items.append(Item("model", m.id, "local", str(src.path), 0, present, model=m))
    for t in tasks:
        present = not missing(lock, cache.root, [], [t])
        source, where = data_source(t)
        items.append(Item("dataset", t.id, source, where, _dataset_size(t) if source == "hub" and not present else 0,
                          present, task=t))
    return items


def _dataset_size(task: TaskSpec) -> int | None:
    """Bytes of the task's Hub dataset repository (an upper bound: other configs included)."""
    from huggingface_hub import HfApi

    assert task.data.hub is not None
    try:
        info = HfApi().dataset_info(task.data.hub.path, files_metadata=True)
    except Exception:  # noqa: BLE001 - the size is a courtesy; the download says what is wrong
        return None
    return sum(s.size or 0 for s in info.siblings or [])


def _fetch_model(item: Item, cache: CacheLayout) -> LockedModel:
    m = item.model
    assert m is not None
    src = m.source
    if src.type == "hub":
        from huggingface_hub import snapshot_download

        assert src.repo is not None
        folder = Path(snapshot_download(src.repo, revision=src.revision, cache_dir=cache.hf_home / "hub",
                                        allow_patterns=item.files))
        files = [locked_file(folder / f, cache.root) for f in item.files or []]
        return LockedModel(id=m.id, source="hub", repo=src.repo, revision=src.revision, commit=folder.name,
                           location=str(folder.relative_to(cache.root)), files=files,
                           total_bytes=sum(f.size for f in files))
    from harness.weights import resolve

    weights = resolve(m)  # gguf: converted into HARNESS_CACHE_DIR (= <cache>/harness); local: checked
    folder = Path(weights.location)
    rel = cache.root if src.type == "gguf" else None
    files = [locked_file(p, rel) for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")]
    location = str(folder.relative_to(cache.root)) if rel else str(folder)
    return LockedModel(id=m.id, source=src.type, location=location, files=files,
                       total_bytes=sum(f.size for f in files))


def _fetch_data(item: Item, cache: CacheLayout) -> LockedData:
    t = item.task
    assert t is not None
    from harness.tasks.base import load_task_data

    load_task_data(t)  # the runner's own loader: mirror files, or the Hub through `datasets`
    if item.source == "local":
        assert t.data.local is not None
        root = Path(item.where)
        files = [locked_file(root / f, None) for f in [*t.data.local.files, *t.data.local.fewshot_files]
                 if (root / f).is_file()]
    else:
        assert t.data.hub is not None
        folder = cache.hf_home / "datasets" / t.data.hub.path.replace("/", "___")
        files = [locked_file(p, cache.root) for p in sorted(folder.rglob("*")) if p.is_file()
                 and not p.name.endswith(".lock")]
        if not files:
            raise HarnessError(f"task '{t.id}': loaded, but nothing was cached under {folder}",
                               "is HF_DATASETS_CACHE set? prefetch needs the cache at <cache>/hf")
    return LockedData(task=t.id, source="local" if item.source == "local" else "hub", dataset=item.where,
                      files=files, total_bytes=sum(f.size for f in files))


def use_cache(cache: CacheLayout) -> None:
    """Point the Hugging Face libraries and the harness cache at `cache` (before they are imported)."""
    os.environ.update(cache.env())
    for var in ("HF_HUB_CACHE", "HF_DATASETS_CACHE", "HUGGINGFACE_HUB_CACHE"):
        os.environ.pop(var, None)
    import sys

    for module in ("huggingface_hub", "datasets"):
        if module in sys.modules:
            raise HarnessError(f"{module} was imported before the cache was set",
                               "run harness prefetch in a fresh process (the CLI does)")


def prefetch(config: Path, cache_root: Path, echo: Echo, models: list[str] | None = None,
             tasks: list[str] | None = None, dry_run: bool = False) -> int:
    """Report what the cache lacks (sizes first), download it, and write the lock file."""
    spec, catalog = load_run(config)
    model_specs = [catalog.model(m) for m in (models or spec.models)]
    task_specs = catalog.expand_tasks(tasks or spec.tasks)
    cache = CacheLayout(cache_root.resolve())
    offline = [v for v in OFFLINE_VARS if os.environ.get(v, "").lower() in ("1", "true", "yes")]
    if offline and any(m.source.type == "hub" for m in model_specs):
        raise InputError(f"{', '.join(offline)} is set, but prefetch downloads",
                         "unset it on the login node (compute nodes keep it)")
    use_cache(cache)
    items = plan_items(model_specs, task_specs, cache)
    echo(f"prefetch into {cache.root} (lock file {cache.lock_file})")
    for it in items:
        state = "in the cache" if it.present else ("to fetch" if it.source != "local" else "to hash")
        echo(f"  {it.kind:<7} {it.id:<36} {it.source:<5} {it.where}  {human(it.size)} ({state})")
    todo = [it for it in items if not it.present]
    total = sum(it.size or 0 for it in todo)
    unknown = [it.id for it in todo if it.size is None]
    echo(f"to download: {human(total)}" + (f" + datasets of unknown size ({', '.join(unknown)})" if unknown else ""))
    if dry_run or not todo:
        echo("dry run: nothing downloaded" if dry_run else "everything is already in the cache")
        return 0
    cache.root.mkdir(parents=True, exist_ok=True)
    for it in todo:
        if it.kind == "model":
            update_lock(cache.lock_file, [_fetch_model(it, cache)], [], now())
        else:
            update_lock(cache.lock_file, [], [_fetch_data(it, cache)], now())
        echo(f"fetched {it.kind} {it.id}")
    left = missing(read_lock(cache.lock_file), cache.root, model_specs, task_specs)
    if left:
        raise HarnessError(f"after prefetch the cache still lacks: {', '.join(left)}")
    echo(f"lock file: {cache.lock_file}")
    return 0
