"""A local stand-in for the Hugging Face Hub HTTP API, serving repositories from a directory.

`huggingface_hub` and `datasets` talk to `HF_ENDPOINT`; pointing it here makes `harness prefetch`
run its real download code (the same calls that reach huggingface.co) with no network.

Layout served: `<root>/<models|datasets>/<org>/<name>/<commit>/<files…>` (one folder per commit;
the newest commit folder is also the `main` branch). Endpoints, as the Hub answers them:

    GET  /api/{models|datasets}/{repo}/revision/{rev}     repo info (sha, siblings)
    GET  /api/{models|datasets}/{repo}/tree/{rev}[/{path}] file listing (recursive=…)
    POST /api/{models|datasets}/{repo}/paths-info/{rev}   info on given paths
    HEAD/GET /{repo}/resolve/{rev}/{file}, /datasets/{repo}/resolve/{rev}/{file}

Files larger than LFS_THRESHOLD bytes are presented as LFS files (ETag = sha256), the others as
git blobs (ETag = git sha1), as on the Hub. Every request path is recorded in `requests`.
"""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

LFS_THRESHOLD = 10_000
# The variables that keep huggingface_hub, transformers and datasets off the network.
OFFLINE_ENV = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class HubStandIn:
    """Serve `root` on 127.0.0.1 in a thread; `url` is the value for HF_ENDPOINT."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        handler = type("Handler", (_Handler,), {"hub": self})
        self.server = _Server(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HubStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- repositories
    def commit_dir(self, kind: str, repo: str, rev: str) -> Path | None:
        base = self.root / kind / repo
        if not base.is_dir():
            return None
        commits = sorted(p for p in base.iterdir() if p.is_dir())
        if rev == "main" and commits:
            return max(commits, key=lambda p: p.stat().st_mtime)
        return base / rev if (base / rev).is_dir() else None

    def file_entry(self, folder: Path, rel: str) -> dict[str, Any]:
        data = (folder / rel).read_bytes()
        entry: dict[str, Any] = {"type": "file", "path": rel, "size": len(data), "oid": git_blob_sha1(data)}
        if len(data) > LFS_THRESHOLD:
            entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
        return entry

    def listing(self, folder: Path, prefix: str, recursive: bool) -> list[dict[str, Any]]:
        base = folder / prefix if prefix else folder
        items = base.rglob("*") if recursive else base.iterdir()
        out = []
        for p in sorted(items):
            rel = str(p.relative_to(folder))
            if p.is_dir():
                out.append({"type": "directory", "path": rel, "oid": hashlib.sha1(rel.encode()).hexdigest()})
            else:
                out.append(self.file_entry(folder, rel))
        return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients closing kept-alive connections is normal here


class _Handler(BaseHTTPRequestHandler):
    hub: HubStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send(self, code: int, body: bytes = b"", headers: dict[str, str] | None = None, head: bool = False) -> None:
        """A response; for HEAD, the headers of the body without the body."""
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, payload: Any) -> None:
        self._send(200, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def _not_found(self, what: str) -> None:
        headers = {"X-Error-Code": "RepoNotFound" if "repo" in what else "EntryNotFound",
                   "X-Error-Message": what, "Content-Type": "application/json"}
        self._send(404, json.dumps({"error": what}).encode(), headers)

    def _route(self, head: bool = False) -> None:
        parsed = urllib.parse.urlparse(self.path)
        path = urllib.parse.unquote(parsed.path)
        query = urllib.parse.parse_qs(parsed.query)
        self.hub.requests.append(f"{self.command} {path}")
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) >= 6 and parts[1] in ("models", "datasets"):
            kind, repo, action, rev = parts[1], f"{parts[2]}/{parts[3]}", parts[4], parts[5]
            folder = self.hub.commit_dir(kind, repo, rev)
            if folder is None:
                return self._not_found(f"repo {repo}@{rev} not found")
            if action == "revision":
                siblings = [{"rfilename": e["path"], "size": e["size"], "blobId": e["oid"],
                             **({"lfs": {"sha256": e["lfs"]["oid"], "size": e["size"], "pointerSize": 134}}
                                if "lfs" in e else {})}
                            for e in self.hub.listing(folder, "", True) if e["type"] == "file"]
                return self._json({"id": repo, "_id": repo, "sha": folder.name, "private": False, "gated": False,
                                   "disabled": False, "siblings": siblings, "tags": [], "downloads": 0,
                                   "likes": 0, "lastModified": "2025-01-01T00:00:00.000Z", "cardData": {}})
            if action == "tree":
                prefix = "/".join(parts[6:])
                recursive = query.get("recursive", ["false"])[0].lower() == "true"
                return self._json(self.hub.listing(folder, prefix, recursive))
            if action == "paths-info":
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                form = urllib.parse.parse_qs(body)
                paths = form.get("paths", []) or json.loads(body or "{}").get("paths", [])
                out = []
                for rel in paths:
                    p = folder / rel
                    if p.is_file():
                        out.append(self.hub.file_entry(folder, rel))
                    elif p.is_dir():
                        out.append({"type": "directory", "path": rel, "oid": hashlib.sha1(rel.encode()).hexdigest()})
                return self._json(out)
            return self._not_found(f"unknown api {path}")
        kind = "models"
        if parts[0] == "datasets":
            kind, parts = "datasets", parts[1:]
        if len(parts) >= 5 and parts[2] == "resolve":
            repo, rev, rel = f"{parts[0]}/{parts[1]}", parts[3], "/".join(parts[4:])
            folder = self.hub.commit_dir(kind, repo, rev)
            if folder is None:
                return self._not_found(f"repo {repo}@{rev} not found")
            if not (folder / rel).is_file():
                return self._not_found(f"entry {rel} not found")
            entry = self.hub.file_entry(folder, rel)
            data = (folder / rel).read_bytes()
            headers = {"X-Repo-Commit": folder.name, "Content-Type": "application/octet-stream",
                       "ETag": f'"{entry["oid"]}"', "Accept-Ranges": "bytes"}
            if "lfs" in entry:
                headers["X-Linked-Etag"] = f'"{entry["lfs"]["oid"]}"'
                headers["X-Linked-Size"] = str(len(data))
            return self._send(200, data, headers, head=head)
        return self._not_found(f"no route {path}")

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._route()

    def do_HEAD(self) -> None:  # noqa: N802
        self._route(head=True)

    def do_POST(self) -> None:  # noqa: N802
        self._route()


def publish(root: Path, kind: str, repo: str, commit: str, files: dict[str, bytes | Path]) -> Path:
    """Put a repository revision under `root` for the stand-in to serve."""
    folder = root / kind / repo / commit
    for rel, content in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.read_bytes() if isinstance(content, Path) else content)
    return folder


# ---------------------------------------------------------------- the test repositories

TINY_REPO = "harness-test/tiny-llama"
TINY_COMMIT = "c0ffee" + "0" * 34
GSM8K_COMMIT = "d" * 40
GSM8K_README = (b"---\nconfigs:\n- config_name: main\n  data_files:\n  - split: test\n    path: main/test.jsonl\n"
                b"  - split: train\n    path: main/train.jsonl\n---\n")


def publish_test_repos(root: Path, tiny_model_dir: Path, data_dir: Path) -> None:
    """The tiny random Llama as a Hub model, and GSM8K (from the mirror) as the Hub dataset
    openai/gsm8k with its `main` config, as the real repository lays it out."""
    publish(root, "models", TINY_REPO, TINY_COMMIT,
            {p.name: p for p in tiny_model_dir.iterdir() if p.is_file() and not p.name.startswith(".")})
    publish(root, "datasets", "openai/gsm8k", GSM8K_COMMIT, {
        "README.md": GSM8K_README, "main/test.jsonl": data_dir / "gsm8k" / "test.jsonl",
        "main/train.jsonl": data_dir / "gsm8k" / "train.jsonl"})


def tiny_hub_spec(**overrides: Any) -> dict[str, Any]:
    """A model spec for the tiny Llama served by the stand-in, pinned at TINY_COMMIT."""
    return {"id": "tiny-hub", "name": "Tiny random Llama on the Hub stand-in", "family": "llama3",
            "developer": "test", "country": "US", "params_b": 0.0001, "active_params_b": 0.0001, "kind": "base",
            "source": {"type": "hub", "repo": TINY_REPO, "revision": TINY_COMMIT},
            "dtype": "float32", "max_model_len": 4096, "chat_template": False, "bos": "always",
            "generation": {"temperature": 0.0, "max_new_tokens": 16}, **overrides}
