"""HTTP to an OpenAI-compatible server: a concurrency limit, timeouts, bounded retries, no key in any text.

Retries happen only where a second try can succeed: transport errors (refused or dropped connections,
timeouts), HTTP 429 and 5xx, and replies the caller marks as not an answer (a malformed body, an
aborted request). A valid answer is never retried, even when it is empty or cut off by the token
budget; other 4xx replies are the request's fault and are not retried either.

httpx (already required by vLLM and the openai SDK) is used directly rather than the openai SDK:
the SDK has its own retry policy (it retries 408/409 too) and hides vLLM's extra response fields
(`prompt_logprobs`, `reasoning`), and the harness needs exactly this policy and the raw JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import random
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

BACKOFF_CAP_S = 30.0
RETRY_AFTER_CAP_S = 60.0


@dataclass(frozen=True)
class Reply:
    """One request's outcome: the JSON body of a 2xx reply, or a one-line error (key redacted)."""

    body: dict[str, Any] | None
    error: str | None = None
    status: int = 0  # HTTP status of the last reply; 0 when none came back
    attempts: int = 1


def error_message(response: httpx.Response) -> str:
    """The server's own words for an error reply ({"error": {"message"}}, {"detail"}, or the text)."""
    try:
        data = response.json()
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply
        return response.text.strip()[:200] or response.reason_phrase
    if isinstance(data, dict):
        err = data.get("error", data.get("detail", data.get("message")))
        if isinstance(err, dict):
            err = err.get("message", err)
        if err is not None:
            return str(err)[:200]
    return str(data)[:200]


class EndpointClient:
    """Requests to one server, `concurrency` at a time, each retried at most `max_retries` times.

    `accept(body)` may return a reason why a 2xx body is not an answer (then it is retried).
    `alive()` may return why the server is gone (a managed server that exited), to stop retrying.
    """

    def __init__(self, base_url: str, api_key: str | None, *, concurrency: int, timeout_s: float,
                 connect_timeout_s: float, max_retries: int, retry_backoff_s: float,
                 alive: Callable[[], str | None] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = api_key
        self.concurrency = concurrency
        self.timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self.max_retries = max_retries
        self.retry_backoff_s = retry_backoff_s
        self.alive = alive or (lambda: None)
        self.unreachable: str | None = None  # set when a request ran out of retries on a refused connection

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"} if self._key else {}

    def redact(self, text: str) -> str:
        """`text` on one line, without the API key (servers may echo the Authorization header)."""
        if self._key:
            text = text.replace(self._key, "***")
        text = re.sub(r"(?i)bearer\s+\S+", "Bearer ***", text)
        return " ".join(text.split())

    def get(self, path: str, timeout_s: float = 30.0, retries: int | None = None) -> Reply:
        """One GET (probes: /models, /version; a path or a full URL), retried as requests are."""
        return asyncio.run(self._one("GET", path, None, timeout_s, retries))

    def post_all(self, path: str, payloads: list[dict[str, Any]],
                 accept: Callable[[dict[str, Any]], str | None] | None = None) -> list[Reply]:
        """POST every payload, `concurrency` in flight; replies in input order."""
        if not payloads:
            return []
        return asyncio.run(self._post_all(path, payloads, accept))

    def post_stream(self, path: str, payloads: list[dict[str, Any]],
                    accept: Callable[[dict[str, Any]], str | None] | None = None) -> Iterator[tuple[int, Reply]]:
        """POST every payload, `concurrency` in flight; yield (index, reply) as each reply arrives.

        The requests run on an event loop in a helper thread, so the caller persists each result
        while the others are in flight. Closing the iterator early cancels what is still pending."""
        if not payloads:
            return
        out: queue.Queue[tuple[int, Reply] | BaseException | None] = queue.Queue()
        loop = asyncio.new_event_loop()
        main: list[asyncio.Task[None]] = []

        async def all_of_them() -> None:
            await self._post_all(path, payloads, accept, lambda i, r: out.put((i, r)))

        def work() -> None:
            asyncio.set_event_loop(loop)
            try:
                main.append(loop.create_task(all_of_them()))
                loop.run_until_complete(main[0])
            except asyncio.CancelledError:
                pass
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
                out.put(exc)
            finally:
                out.put(None)
                loop.close()

        thread = threading.Thread(target=work, name="endpoint-requests", daemon=True)
        thread.start()
        finished = False
        try:
            while True:
                item = out.get()
                if item is None:
                    finished = True
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            if not finished and main:
                # Closed early: cancel what is still in flight (the loop may have just ended by itself).
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(main[0].cancel)
            thread.join(timeout=10)

    async def _post_all(self, path: str, payloads: list[dict[str, Any]],
                        accept: Callable[[dict[str, Any]], str | None] | None,
                        done: Callable[[int, Reply], None] | None = None) -> list[Reply]:
        if self.unreachable is not None:
            # The server refused connections before: one cheap probe instead of a full retry cycle per request.
            probe = await self._one("GET", "/models", None, self.timeout.connect or 10.0, retries=0)
            if probe.body is None:
                replies = [Reply(None, self.unreachable, probe.status, 0) for _ in payloads]
                for i, reply in enumerate(replies):
                    if done is not None:
                        done(i, reply)
                return replies
            self.unreachable = None
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        semaphore = asyncio.Semaphore(self.concurrency)
        async with httpx.AsyncClient(timeout=self.timeout, limits=limits, headers=self.headers) as client:

            async def one(index: int, payload: dict[str, Any]) -> Reply:
                async with semaphore:
                    reply = await self._send(client, "POST", path, payload, accept, self.max_retries)
                if done is not None:
                    done(index, reply)
                return reply

            return list(await asyncio.gather(*(one(i, p) for i, p in enumerate(payloads))))

    async def _one(self, method: str, path: str, payload: dict[str, Any] | None, timeout_s: float,
                   retries: int | None = None) -> Reply:
        timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, self.timeout.connect or timeout_s))
        async with httpx.AsyncClient(timeout=timeout, headers=self.headers) as client:
            return await self._send(client, method, path, payload, None,
                                    self.max_retries if retries is None else retries)

    async def _send(self, client: httpx.AsyncClient, method: str, path: str, payload: dict[str, Any] | None,
                    accept: Callable[[dict[str, Any]], str | None] | None, retries: int) -> Reply:
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"
        error, status, wait = "no attempt made", 0, 0.0
        for attempt in range(retries + 1):
            gone = self.alive()
            if gone is not None:
                return Reply(None, self.redact(gone), status, attempt)
            if self.unreachable is not None and attempt > 0:
                return Reply(None, self.unreachable, status, attempt)
            if attempt:
                backoff = min(self.retry_backoff_s * 2 ** (attempt - 1), BACKOFF_CAP_S)
                await asyncio.sleep(max(wait, backoff * random.uniform(0.75, 1.0)))
            wait, refused = 0.0, False
            try:
                response = await client.request(method, url, json=payload)
            except httpx.TransportError as exc:  # refused, reset, dropped mid-reply, timed out
                refused = isinstance(exc, httpx.ConnectError)
                error, status = self.redact(f"{type(exc).__name__}: {str(exc) or 'no detail'} ({url})"), 0
                if refused and attempt == retries:
                    self.unreachable = f"endpoint unreachable: {error}"
                continue
            status = response.status_code
            if response.status_code == 429 or response.status_code >= 500:
                error = self.redact(f"HTTP {status} from {url}: {error_message(response)}")
                wait = min(_retry_after(response), RETRY_AFTER_CAP_S)
                continue
            if response.status_code >= 400:
                return Reply(None, self.redact(f"HTTP {status} from {url}: {error_message(response)}"),
                             status, attempt + 1)
            try:
                body = response.json()
            except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply
                error = self.redact(f"HTTP {status} from {url}: the body is not JSON")
                continue
            reason = accept(body) if accept and isinstance(body, dict) else None
            if not isinstance(body, dict) or reason is not None:
                error = self.redact(f"HTTP {status} from {url}: {reason or 'the body is not a JSON object'}")
                continue
            return Reply(body, None, status, attempt + 1)
        return Reply(None, f"{error} (after {retries + 1} attempts)", status, retries + 1)


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(float(response.headers.get("retry-after", 0)), 0.0)
    except ValueError:
        return 0.0
