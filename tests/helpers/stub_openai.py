"""A small OpenAI-compatible server for tests, with faults on demand (stdlib only, runs in a thread).

    with StubServer(api_key="k") as stub:
        stub.faults.extend(["429", "503", "drop"])    # the next three POSTs fail like that
        ... OpenAIBackend against stub.base_url ...
        stub.posts                                    # every POST body received, in order

Faults (one per POST, first in first out): `429` (Retry-After: 0), `503`, `500-echo` (the error
echoes the Authorization header, as careless servers do), `400`, `drop` (connection closed with no
reply), `slow:<s>` (answers after s seconds), `garbage` (200 with a body that is not JSON), `abort`
(finish_reason abort), `empty` (an empty answer), `length` (cut off by the token budget).
`poison = (fault, n)` gives the first prompt seen that fault n times, whatever the concurrency.
`die_after=N` stops the server after N answered POSTs (a server killed midway).

Answers are deterministic: completions answer `The answer is <sum(prompt ids) % 97>.`; chat answers
`The answer is 7.` with `reasoning_content` when `reasoning` is set. Echoed prompts get
log-probabilities `-(id % 7 + 1) / 10`, greedy where the id is even.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def token_logprob(token_id: int) -> float:
    return -((token_id % 7) + 1) / 10


class StubServer:
    def __init__(self, port: int = 0, served: tuple[str, ...] = ("stub-model",), api_key: str | None = None,
                 reasoning: str | None = None, die_after: int | None = None) -> None:
        self.served = served
        self.api_key = api_key
        self.reasoning = reasoning
        self.die_after = die_after
        self.faults: deque[str] = deque()
        self.poison: tuple[str, int] | None = None
        self._poisoned_prompt: Any = None
        self.posts: list[dict[str, Any]] = []
        self.gets: list[str] = []
        self.answered = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.dead = False  # killed: open connections are dropped, new ones refused
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> StubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.dead = True
        self.httpd.shutdown()
        self.httpd.server_close()

    # ------------------------------------------------------------------ replies

    def completion(self, body: dict[str, Any], fault: str | None) -> dict[str, Any]:
        prompt = body.get("prompt") or []
        finish = "length" if fault == "length" else "abort" if fault == "abort" else "stop"
        if body.get("echo"):  # a list of token-id prompts, one choice each
            prompts = prompt if prompt and isinstance(prompt[0], list) else [prompt]
            return {"model": body["model"], "choices": [
                {"index": i, "text": "", "finish_reason": finish, "logprobs": {
                    "tokens": [f"token_id:{t}" for t in p] + ["token_id:0"],
                    "token_logprobs": [None] + [token_logprob(t) for t in p[1:]] + [-0.1],
                    "top_logprobs": [None] + [{f"token_id:{t}": token_logprob(t)} if t % 2 == 0 else
                                              {f"token_id:{t}": token_logprob(t), "token_id:0": -0.01}
                                              for t in p[1:]] + [{"token_id:0": -0.1}]}}
                for i, p in reversed(list(enumerate(prompts)))],  # out of order: clients sort by index
                    "usage": {"prompt_tokens": sum(map(len, prompts)), "completion_tokens": len(prompts)}}
        text = "" if fault == "empty" else f"The answer is {sum(prompt) % 97}."
        if fault == "length":
            text = "The answer"
        return {"model": body["model"], "system_fingerprint": "stub-1.0",
                "choices": [{"text": text, "finish_reason": finish}],
                "usage": {"prompt_tokens": len(prompt), "completion_tokens": len(text.split())}}

    def chat(self, body: dict[str, Any], fault: str | None) -> dict[str, Any]:
        finish = "length" if fault == "length" else "abort" if fault == "abort" else "stop"
        content = "" if fault == "empty" else "The answer is 7."
        message: dict[str, Any] = {"role": "assistant", "content": content, "reasoning_content": self.reasoning}
        return {"model": body["model"], "choices": [{"message": message, "finish_reason": finish}],
                "usage": {"prompt_tokens": 11, "completion_tokens": 5}}

    # ------------------------------------------------------------------ HTTP

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def reply(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def authorized(self) -> bool:
                if stub.api_key is None or self.headers.get("Authorization") == f"Bearer {stub.api_key}":
                    return True
                got = self.headers.get("Authorization")
                self.reply(401, {"error": {"message": f"Incorrect API key provided: {got}"}})
                return False

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if stub.dead:
                    self.close_connection = True
                    return
                stub.gets.append(self.path)
                if self.path == "/health":
                    self.reply(200, b"")
                elif self.path == "/version":
                    self.reply(200, {"version": "stub-1.0"})
                elif self.path == "/v1/models" and self.authorized():
                    self.reply(200, {"object": "list", "data": [
                        {"id": m, "object": "model", "root": f"/models/{m}"} for m in stub.served]})
                elif self.path != "/v1/models":
                    self.reply(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if stub.dead:
                    self.close_connection = True
                    return
                if not self.authorized():
                    return
                with stub.lock:
                    stub.posts.append(body)
                    fault = stub.faults.popleft() if stub.faults else None
                    prompt = body.get("prompt", body.get("messages"))
                    if stub.poison and stub._poisoned_prompt is None:
                        stub._poisoned_prompt = prompt
                    if stub.poison and stub.poison[1] > 0 and prompt == stub._poisoned_prompt:
                        fault, stub.poison = stub.poison[0], (stub.poison[0], stub.poison[1] - 1)
                    stub.in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                try:
                    self.answer(body, fault)
                finally:
                    with stub.lock:
                        stub.in_flight -= 1

            def answer(self, body: dict[str, Any], fault: str | None) -> None:
                if fault in ("429", "503", "400"):
                    self.reply(int(fault), {"error": {"message": f"injected {fault}"}}, {"Retry-After": "0"})
                    return
                if fault == "500-echo":
                    got = self.headers.get("Authorization")
                    self.reply(500, {"error": {"message": f"internal error handling {got}"}})
                    return
                if fault == "drop":
                    self.close_connection = True
                    return
                if fault == "garbage":
                    self.reply(200, b"<html>proxy error</html>")
                    return
                if fault and fault.startswith("slow:"):
                    time.sleep(float(fault.split(":")[1]))
                if body.get("model") not in stub.served:
                    self.reply(404, {"error": {"message": f"The model `{body.get('model')}` does not exist."}})
                    return
                chat = self.path.endswith("/chat/completions")
                self.reply(200, stub.chat(body, fault) if chat else stub.completion(body, fault))
                with stub.lock:
                    stub.answered += 1
                    dying = stub.die_after is not None and stub.answered >= stub.die_after and not stub.dead
                    stub.dead = stub.dead or dying
                if dying:
                    threading.Thread(target=stub.stop, daemon=True).start()

        return Handler
