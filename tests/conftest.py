"""Shared fixtures. Tests run offline on CPU; `slow` ones start a real engine (CI runs them too)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.hub_standin import HubStandIn
from helpers.slurm import slurm  # noqa: F401  (session fixture: a real Slurm for tests/test_cluster_slurm.py)

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HARNESS_DATA_DIR", ROOT.parent / "shared" / "data"))
os.environ["HARNESS_DATA_DIR"] = str(DATA_DIR)
os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The local mirror of upstream benchmark files. Missing means a broken checkout: fail loudly."""
    if not (DATA_DIR / "MANIFEST.md").is_file():
        pytest.fail(f"benchmark mirror not found at {DATA_DIR}; set HARNESS_DATA_DIR")
    return DATA_DIR


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from helpers.tiny_models import make_tiny_llama

    return make_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path, data_dir: Path) -> Iterator[HubStandIn]:
    """A local stand-in for the Hugging Face Hub serving the tiny model and GSM8K (prefetch and cluster tests)."""
    from helpers.hub_standin import publish_test_repos

    root = tmp_path_factory.mktemp("hub")
    publish_test_repos(root, tiny_model_dir, data_dir)
    with HubStandIn(root) as server:
        yield server


def write_tiny_catalog(config_dir: Path, model_dir: Path, **overrides: object) -> Path:
    """A copy of the real configs/ plus a `tiny-llama` model spec pointing at `model_dir`."""
    import yaml

    shutil.copytree(ROOT / "configs", config_dir, dirs_exist_ok=True)
    spec = {
        "id": "tiny-llama", "name": "Tiny random Llama", "family": "llama3", "developer": "test",
        "country": "US", "params_b": 0.0001, "active_params_b": 0.0001, "kind": "base",
        "source": {"type": "local", "path": str(model_dir)}, "backend": "vllm", "dtype": "float32",
        "max_model_len": 4096, "chat_template": False, "bos": "always",
        "generation": {"temperature": 0.0, "max_new_tokens": 16},
    }
    spec.update(overrides)
    (config_dir / "models" / f"{spec['id']}.yaml").write_text(yaml.safe_dump(spec))
    return config_dir


@pytest.fixture()
def tiny_catalog_dir(tmp_path: Path, tiny_model_dir: Path) -> Path:
    return write_tiny_catalog(tmp_path / "configs", tiny_model_dir)
