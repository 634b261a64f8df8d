"""A probe of hostile and broken inputs against the `harness` CLI, run as real processes.

    python benchmarks/hostile_probe.py [--repo PATH] [--show]

Each case runs one `harness` command (with `PYTHONPATH=<repo>`, so an older checkout can be probed
for a before/after comparison) on a crafted config, option, record, grade input or endpoint reply,
and is judged against the CLI's promise: bad input → exit 2 with one `error:` line, a runtime
failure → exit 1 with one line, valid input → exit 0; never a traceback, never typer's box, never a
raw terminal escape, never a file outside the folder it was given. Prints the tally:
tried / one line + right exit code / traceback / silent acceptance (exit 0 on bad input) / other.
Nothing needs a GPU, a model or the network (endpoint replies come from a local stub).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True))


@dataclass
class Case:
    name: str
    argv: list[str]
    expect: int  # 0 valid input, 1 runtime failure, 2 bad input
    check: Callable[[str], str | None] | None = None  # extra check on the output: why it failed, or None
    env: dict[str, str] = field(default_factory=dict)


def no_raw_escape(out: str) -> str | None:
    return "raw terminal escape in the output" if "\x1b" in out or "\x07" in out else None


class Stub(BaseHTTPRequestHandler):
    """GET <anything>/<shape>/v1/models answers with the reply named by <shape>."""

    replies: dict[str, tuple[int, str]] = {
        "list": (200, "[]"), "str-data": (200, '{"data": "x"}'), "int-data": (200, '{"data": 5}'),
        "html": (200, "<html>hello</html>"), "no-data": (200, '{"object": "list"}'),
        "null-ids": (200, '{"data": [{"id": null}, {"id": ["x"]}]}'), "deep": (200, "[" * 100_000 + "]" * 100_000),
        "escape": (500, '{"error": {"message": "\\u001b[2Jgone\\u0007"}}'),
    }

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        shape = self.path.strip("/").split("/")[0]
        status, body = self.replies.get(shape, (404, "{}"))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def synthetic_run(results: Path, repo: Path, **changes: Any) -> Path:
    """One complete run folder, edited by `changes` (manifest fields, or `metrics`/`samples` file text)."""
    run_key = "0123456789abcdef"
    run = results / "runs" / run_key
    manifest = {
        "schema_version": 3, "run_key": run_key, "status": "complete", "model": "gemma-3-270m", "task": "arc_easy",
        "harness_version": "0", "git_commit": None, "packages": {}, "device": "cpu", "model_revision": None,
        "weights_hash": None, "model_spec": {}, "task_spec": {}, "run_settings": {}, "data_files": {},
        "seeds": {}, "started_at": "2026-01-01T00:00:00+00:00", "finished_at": "2026-01-01T00:01:00+00:00",
        "n_requests": 1,
    }
    metric = {"schema_version": 3, "model": "gemma-3-270m", "task": "arc_easy", "metric": "accuracy",
              "score": 0.5, "stderr": 0.1, "ci_low": 0.3, "ci_high": 0.7, "n": 2, "n_samples": 2, "n_truncated": 0,
              "n_ungradable": 0, "mean_output_tokens": 1.0, "tokens_per_s": 1.0}
    sample = {"schema_version": 3, "run_key": run_key, "model": "gemma-3-270m", "task": "arc_easy", "doc_id": "0",
              "sample_idx": 0, "prompt_hash": "h", "truncated": False, "ungradable": False, "prompt": "p",
              "response": "r", "extracted": "A", "gold": "A", "correct": True, "score": 1.0}
    metrics_text = changes.pop("metrics", json.dumps([metric]))
    samples_text = changes.pop("samples", json.dumps(sample) + "\n")
    manifest.update(changes)
    write(run / "manifest.json", json.dumps(manifest))
    write(run / "metrics.json", metrics_text)
    write(run / "samples.jsonl", samples_text)
    return results


def cases(tmp: Path, repo: Path, stub: str) -> list[Case]:
    smoke = str(repo / "configs" / "smoke.yaml")
    cfg = tmp / "configs"
    shutil.copytree(repo / "configs", cfg)
    out: list[Case] = []

    def config(name: str, text: str | bytes, expect: int = 2) -> None:
        out.append(Case(f"config:{name}", ["validate", str(write(cfg / f"probe_{name}.yaml", text))], expect))

    # -- run configs
    config("empty", "")
    config("top-list", "- a\n- b\n")
    config("top-scalar", "just text\n")
    config("models-int", "name: x\nmodels: 5\ntasks: [gsm8k]\n")
    config("models-map", "name: x\nmodels: {a: 1}\ntasks: [gsm8k]\n")
    config("unknown-key", "name: x\nmodels: [gemma-3-270m]\ntasks: [gsm8k]\nlimitt: 3\n")
    config("limit-negative", "name: x\nmodels: [gemma-3-270m]\ntasks: [gsm8k]\nlimit: -5\n")
    config("limit-text", "name: x\nmodels: [gemma-3-270m]\ntasks: [gsm8k]\nlimit: lots\n")
    config("limit-inf", "name: x\nmodels: [gemma-3-270m]\ntasks: [gsm8k]\nlimit: .inf\n")
    config("model-path", "name: x\nmodels: [../../etc/passwd]\ntasks: [gsm8k]\n")
    config("task-escape", "name: x\nmodels: [gemma-3-270m]\ntasks: [\"\\e[31mred\"]\n")
    config("deep-nesting", "a: " + "[" * 5000 + "]" * 5000 + "\n")
    config("tab-indent", "name: x\nmodels:\n\t- a\n")
    config("python-tag", "name: !!python/object/apply:os.system [echo pwned]\nmodels: [a]\n")
    config("binary-tag", "name: !!binary aGVsbG8=\nmodels: [gemma-3-270m]\ntasks: [gsm8k]\n")
    config("utf16", "name: x\n".encode("utf-16"))
    config("utf8-bom", "\ufeffname: x\nmodels: [gemma-3-270m]\ntasks: [gsm8k]\n", expect=0)
    config("bomb", BOMB)
    config("dup-nested", "name: x\nmodels: [gemma-3-270m]\ntasks: [gsm8k]\ngeneration:\n  a: 1\n  a: 2\n")
    config("many-aliases", "a: &a 1\nb: [" + ", ".join(["*a"] * 5000) + "]\n")
    config("huge-string", "name: '" + "x" * (6 * 1024 * 1024) + "'\n")
    config("huge-int", "name: x\nmodels: [gemma-3-270m]\ntasks: [gsm8k]\nlimit: " + "9" * 5000 + "\n")
    out.append(Case("config:directory", ["validate", str(cfg)], 2))
    out.append(Case("config:missing", ["validate", str(tmp / "nope.yaml")], 2))

    # -- catalogue files (a copy of configs/ with one bad file; the run config beside it)
    def catalog(name: str, rel: str, text: str, expect: int = 2, task: str = "gsm8k") -> None:
        root = tmp / f"cat_{name}"
        shutil.copytree(repo / "configs", root)
        write(root / rel, text)
        run_cfg = write(root / "run.yaml", f"name: x\nmodels: [gemma-3-270m]\ntasks: ['{task}']\n")
        out.append(Case(f"catalog:{name}", ["validate", str(run_cfg)], expect, env={"HARNESS_CONFIG_DIR": str(root)}))

    model = (repo / "configs" / "models" / "gemma-3-270m.yaml").read_text()
    catalog("model-dup-key", "models/gemma-3-270m.yaml", model + "\nfamily: other\n")
    catalog("model-bomb", "models/zz.yaml", BOMB)
    catalog("model-id-slash", "models/zz.yaml", model.replace("id: gemma-3-270m", "id: ../../evil"))
    catalog("model-id-long", "models/zz.yaml", model.replace("id: gemma-3-270m", "id: " + "g" * 300))
    catalog("task-id-traversal", "tasks/zz.yaml",
            (repo / "configs" / "tasks" / "gsm8k.yaml").read_text().replace("id: gsm8k", "id: ../../evil", 1))
    catalog("lm-eval-metric-py", "lm_eval/zz.yaml",
            "task: zz\ndataset_path: json\noutput_type: generate_until\ndoc_to_text: x\ndoc_to_target: y\n"
            "metric_list:\n  - metric: /tmp/evil.py\n", task="lm_eval:zz")
    catalog("lm-eval-binary", "lm_eval/zz.yaml", "\x00\x01\x02", task="lm_eval:arc_easy_local")
    catalog("lm-eval-filter-custom", "lm_eval/zz.yaml",
            "task: zz\ndataset_path: json\noutput_type: generate_until\ndoc_to_text: x\ndoc_to_target: y\n"
            "filter_list:\n  - name: f\n    filter:\n      - function: custom\n", task="lm_eval:zz")
    catalog("lm-eval-aggregation-path", "lm_eval/zz.yaml",
            "task: zz\ndataset_path: json\noutput_type: generate_until\ndoc_to_text: x\ndoc_to_target: y\n"
            "metric_list:\n  - metric: exact_match\n    aggregation: ./agg.py\n", task="lm_eval:zz")
    bomb_site = str(write(tmp / "bomb_site.yaml", BOMB))
    out.append(Case("option:submit-cluster-bomb", ["submit", smoke, "--cluster", bomb_site, "--dry-run"], 2))

    # -- command-line options
    opts: list[tuple[str, list[str], int]] = [
        ("limit-negative", ["run", smoke, "--limit", "-1"], 2),
        ("limit-huge", ["plan", smoke, "--gpus-per-node", "99999999999999999999999"], 2),
        ("models-empty", ["run", smoke, "--models", ",,,", "--tasks", "nosuch"], 2),
        ("tasks-lm-eval-empty", ["run", smoke, "--tasks", "lm_eval:"], 2),
        ("tasks-lm-eval-traversal", ["run", smoke, "--tasks", "lm_eval:../../x"], 2),
        ("endpoint-no-equals", ["run", smoke, "--endpoint", "noequals"], 2),
        ("endpoint-bad-concurrency", ["run", smoke, "--endpoint", "concurrency=-5"], 2),
        ("endpoint-ftp", ["run", smoke, "--endpoint", "base_url=ftp://x/v1"], 2),
        ("endpoint-yaml-bomb", ["run", smoke, "--endpoint", "concurrency=[" + "[" * 3000 + "]" * 3000 + "]"], 2),
        ("endpoint-alias", ["run", smoke, "--endpoint", "model=&a [*a]"], 2),
        ("plan-gpu-unknown", ["plan", smoke, "--gpu", "tpu-9000"], 2),
        ("plan-gpus-zero", ["plan", smoke, "--gpus-per-node", "0"], 2),
        ("models-gpu-empty", ["models", "--gpu", ""], 2),
        ("unknown-command", ["frobnicate"], 2),
        ("option-twice-typo", ["leaderboard", "--result", str(tmp)], 2),
        ("report-missing-results", ["report", "--results", str(tmp / "none")], 2),
        ("report-out-proc", ["report", "--results", str(synthetic_run(tmp / "r_ok", repo)), "--out",
                             "/proc/harness-probe.html"], 2),
        ("report-out-dir", ["report", "--results", str(synthetic_run(tmp / "r_ok2", repo)), "--out", str(tmp)], 2),
        ("schema-out-devnull", ["schema", "--out", "/dev/null"], 2),
        ("leaderboard-devnull", ["leaderboard", "--results", "/dev/null"], 2),
        ("claims-missing", ["claims", "--claims", str(tmp / "none.yaml"), "--results", str(tmp / "r_c")], 2),
        ("claims-binary", ["claims", "--claims", str(write(tmp / "c_bin.yaml", bytes(range(256)))),
                           "--results", str(tmp / "r_c")], 2),
        ("claims-bomb", ["claims", "--claims", str(write(tmp / "c_bomb.yaml", BOMB)),
                         "--results", str(tmp / "r_c")], 2),
        ("claims-dup", ["claims", "--claims", str(write(tmp / "c_dup.yaml", "claims: []\nclaims: []\n")),
                        "--results", str(tmp / "r_c")], 2),
        ("status-file", ["status", "--results", str(write(tmp / "afile", "x"))], 2),
        ("submit-cluster-traversal", ["submit", smoke, "--cluster", "../../../etc/passwd", "--dry-run"], 2),
        ("submit-cluster-missing", ["submit", smoke, "--cluster", "nosuchsite", "--dry-run"], 2),
        ("submit-time-text", ["submit", smoke, "--cluster", "local", "--time", "soon", "--dry-run"], 2),
        ("prefetch-cache-file", ["prefetch", smoke, "--cache", str(tmp / "afile"), "--dry-run"], 2),
        ("results-loop", ["leaderboard", "--results", str(_loop(tmp))], 2),
    ]
    out.extend(Case(f"option:{n}", a, e) for n, a, e in opts)

    # -- records in a results folder
    def records(name: str, argv_head: list[str], expect: int, check: Callable[[str], str | None] | None = None,
                **changes: Any) -> None:
        results = synthetic_run(tmp / f"rec_{name}", repo, **changes)
        out.append(Case(f"records:{name}", [*argv_head, "--results", str(results)], expect, check))

    records("task-traversal-report", ["report"], 2, task="../../../../tmp/harness-probe-escape")
    records("task-traversal-leaderboard", ["leaderboard"], 0, task="../../x")
    records("task-300-bytes", ["report"], 2, task="t" * 300)
    records("newer-schema", ["leaderboard"], 0, schema_version=999)
    records("metrics-dict", ["leaderboard"], 0, metrics="{}")
    records("metrics-garbage", ["leaderboard"], 0, metrics="\x00\x01")
    records("samples-bad-line", ["report"], 2, samples="{}\n{broken\n")
    records("error-escape", ["leaderboard"], 0, no_raw_escape, status="failed", error="\x1b]0;pwned\x07\x1b[2J")
    records("model-formula", ["leaderboard"], 0, None, model="=cmd")
    records("key-mismatch", ["report"], 2, run_key="fedcba9876543210")
    records("manifest-list", ["leaderboard"], 0)
    write(tmp / "rec_manifest-list" / "runs" / "0123456789abcdef" / "manifest.json", "[]")
    loop_runs = synthetic_run(tmp / "rec_loop", repo)
    (loop_runs / "runs" / "loopy").symlink_to(loop_runs / "runs" / "loopy")
    out.append(Case("records:run-folder-loop", ["leaderboard", "--results", str(loop_runs)], 0))

    # -- harness grade inputs
    def grade(name: str, content: str | bytes, expect: int, *extra: str,
              check: Callable[[str], str | None] | None = None) -> None:
        path = write(tmp / f"grade_{name}.jsonl", content)
        out.append(Case(f"grade:{name}", ["grade", str(path), *extra], expect, check))

    line = json.dumps({"task": "gsm8k", "response": "The answer is 4", "gold": "4"})
    grade("binary", bytes(range(256)) * 8, 2)
    grade("json-array", json.dumps([{"task": "gsm8k", "response": "4", "gold": "4"}]), 2)
    grade("unknown-task", line + "\n" + json.dumps({"task": "nosuch", "response": "4", "gold": "4"}) + "\n", 0)
    grade("escape-task", line + "\n" + json.dumps({"task": "\x1b[2Jx", "response": "4", "gold": "4"}) + "\n", 0,
          check=no_raw_escape)
    grade("escape-response", json.dumps({"task": "gsm8k", "response": "\x1b[2J 4 \x07", "gold": "\x1b]0;x\x07"})
          + "\n", 0, check=no_raw_escape)
    grade("out-is-dir", line + "\n", 2, "--out", str(tmp))
    grade("out-under-file", line + "\n", 2, "--out", str(tmp / "afile" / "x.jsonl"))
    grade("out-devfull", line + "\n", 1, "--out", "/dev/full")
    out.append(Case("grade:input-is-dir", ["grade", str(tmp)], 2))

    # -- endpoint replies (`/models` of the wrong shape)
    for shape in Stub.replies:
        argv = ["run", smoke, "--limit", "1", "--results", str(tmp / "r_ep"),
                "--endpoint", f"base_url={stub}/{shape}/v1", "--endpoint", "max_retries=0"]
        out.append(Case(f"endpoint:{shape}", argv, 2, no_raw_escape))
    return out


def _loop(tmp: Path) -> Path:
    loop = tmp / "loop"
    loop.symlink_to(loop)
    return loop


def judge(case: Case, proc: subprocess.CompletedProcess[str]) -> str:
    out = proc.stdout + proc.stderr
    if "Traceback (most recent call last)" in out:
        return "traceback"
    if case.expect != 0 and proc.returncode == 0:
        return "silent"
    if proc.returncode != case.expect:
        return f"other (exit {proc.returncode}, expected {case.expect})"
    if case.expect != 0:
        errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
        if len(errors) != 1 or "╭" in out:
            return f"other ({len(errors)} error lines{', typer box' if '╭' in out else ''})"
    if case.check and (why := case.check(out)):
        return f"other ({why})"
    return "ok"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, default=HERE, help="the checkout to probe (default: this one)")
    parser.add_argument("--show", action="store_true", help="print each case's verdict and first output line")
    args = parser.parse_args()
    repo = args.repo.resolve()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stub = f"http://127.0.0.1:{server.server_address[1]}"
    tally: dict[str, int] = {"ok": 0, "traceback": 0, "silent": 0, "other": 0}
    with tempfile.TemporaryDirectory(prefix="hostile-probe-") as tmp_name:
        tmp = Path(tmp_name)
        work = tmp / "work"
        work.mkdir()
        env = {**os.environ, "PYTHONPATH": str(repo), "HARNESS_DATA_DIR": os.environ.get(
            "HARNESS_DATA_DIR", str(repo.parent / "shared" / "data")), "HARNESS_CONFIG_DIR": str(repo / "configs")}
        env.pop("HARNESS_DEBUG", None)
        all_cases = cases(tmp, repo, stub)
        for case in all_cases:
            try:
                proc = subprocess.run([sys.executable, "-c", "from harness.cli import app; app()", *case.argv],
                                      cwd=work, env={**env, **case.env}, capture_output=True, text=True, timeout=300,
                                      errors="replace")
                verdict = judge(case, proc)
                first = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or [""]
            except subprocess.TimeoutExpired:
                verdict, first = "other (timed out)", [""]
            if Path("/tmp/harness-probe-escape").exists():
                verdict = "other (wrote outside the results)"
            tally[verdict.split(" ")[0]] += 1
            if args.show or verdict != "ok":
                print(f"{verdict:<40} {case.name:<36} {first[0][:150]!r}")
    server.shutdown()
    n = len(all_cases)
    print(f"\n{repo}: tried {n} / one line + right exit code {tally['ok']} ({100 * tally['ok'] / n:.0f}%) / "
          f"traceback {tally['traceback']} / silent acceptance {tally['silent']} / other {tally['other']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
