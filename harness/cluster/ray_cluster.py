"""Bring a Ray cluster up across the nodes of one multi-node job, and tear it down.

vLLM's multi-node path: a Ray head on the first node, a Ray worker on every other node, the
engine started on the head with `distributed_executor_backend="ray"` (TP within a node, PP across
nodes). Every node runs `ray start --block` as a child process, so stopping is terminating that
process (never `ray stop`, which would stop every Ray on the machine). Nodes find each other
through files in the job's folder on the shared filesystem:

    ray-head-<attempt>.json   the head's address, written once the head answers
    ray-done-<attempt>        written by the head when the work is over: workers stop and exit
    ray-<node>.log            each node's `ray start` output

`<attempt>` is Slurm's restart count, so a requeued job never reads its previous attempt's files.
Each node carries a custom resource `harness_node:<name>`; the head waits until every expected
name is in the cluster and otherwise fails naming the nodes that did not join.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError

POLL_S = 0.5


class RayBringUpError(HarnessError):
    """The Ray cluster of a multi-node job did not come up."""


def marker(node: str) -> str:
    return f"harness_node:{node}"


def attempt() -> str:
    return os.environ.get("SLURM_RESTART_COUNT", "0")


def head_file(workdir: Path) -> Path:
    return workdir / f"ray-head-{attempt()}.json"


def done_file(workdir: Path) -> Path:
    return workdir / f"ray-done-{attempt()}"


def node_ip() -> str:
    """This node's address for Ray: `HARNESS_RAY_NODE_IP`, else the address of the default route,
    else what the host name resolves to."""
    from harness.settings import current

    env = current().ray_node_ip
    if env:
        return env
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the outgoing interface
        return str(s.getsockname()[0])
    return socket.gethostbyname(socket.gethostname())


def port_for(job_id: str) -> int:
    """A head port derived from the job id, so jobs sharing a node do not collide."""
    digits = int("".join(ch for ch in job_id if ch.isdigit()) or "0")
    return 20000 + (digits * 7) % 20000


def _ray_bin() -> str:
    beside = Path(sys.executable).parent / "ray"
    found = str(beside) if beside.is_file() else shutil.which("ray")
    if not found:
        raise RayBringUpError("the `ray` command is not installed", "pip install 'ray' on the compute nodes")
    return found


@dataclass
class RayNode:
    """One `ray start --block` process started here."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self, timeout: float = 30) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # `ray start --block` stops the Ray processes it started
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _start(args: list[str], name: str, num_gpus: int, num_cpus: int | None, workdir: Path) -> RayNode:
    log = workdir / f"ray-{name}.log"
    cmd = [_ray_bin(), "start", "--block", f"--node-ip-address={node_ip()}", f"--num-gpus={num_gpus}",
           f"--resources={json.dumps({marker(name): 1})}", "--disable-usage-stats",
           "--dashboard-agent-listen-port=0", *args]
    if num_cpus is not None:
        cmd.append(f"--num-cpus={num_cpus}")
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    return RayNode(name, proc, log)


def cluster_nodes(address: str) -> set[str]:
    """Names (`harness_node:<name>` resources) of the alive nodes of the cluster at `address`."""
    import ray

    if not ray.is_initialized():
        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    names = set()
    for node in ray.nodes():
        if node.get("Alive"):
            names |= {k.split(":", 1)[1] for k in node.get("Resources", {}) if k.startswith("harness_node:")}
    return names


def wait_for_nodes(address: str, expected: Sequence[str], timeout: float, workdir: Path) -> None:
    """Return once every expected node is in the cluster; RayBringUpError naming those that are not."""
    import ray

    deadline = time.monotonic() + timeout
    joined: set[str] = set()
    try:
        while time.monotonic() < deadline:
            try:
                joined = cluster_nodes(address)
            except Exception:  # noqa: BLE001 - the head may still be starting
                joined = set()
            if set(expected) <= joined:
                return
            time.sleep(POLL_S)
    finally:
        if ray.is_initialized():
            ray.shutdown()
    missing = [n for n in expected if n not in joined]
    ranks = ", ".join(f"{n} (rank {list(expected).index(n)})" for n in missing)
    raise RayBringUpError(
        f"node(s) {ranks} did not join the Ray cluster at {address} within {timeout:.0f} s",
        f"see {workdir / ('ray-' + missing[0] + '.log')} and that node's job log")


@contextlib.contextmanager
def head(workdir: Path, nodes: Sequence[str], gpus_per_node: int, port: int, timeout: float,
         num_cpus: int | None = None) -> Iterator[str]:
    """Start the head on this node (nodes[0]), wait for the others, yield the address; tear down."""
    workdir.mkdir(parents=True, exist_ok=True)
    address = f"{node_ip()}:{port}"
    node = _start(["--head", f"--port={port}", f"--ray-client-server-port={port + 1}",
                   "--include-dashboard=false"], nodes[0], gpus_per_node, num_cpus, workdir)
    try:
        wait_for_nodes(address, nodes[:1], timeout, workdir)
        head_file(workdir).write_text(json.dumps({"address": address, "node": nodes[0]}))
        wait_for_nodes(address, nodes, timeout, workdir)
        yield address
    finally:
        done_file(workdir).touch()
        node.stop()


def worker(workdir: Path, name: str, gpus_per_node: int, timeout: float, num_cpus: int | None = None) -> str:
    """Join the head's cluster from this node, stay until the head is done, then leave."""
    deadline = time.monotonic() + timeout
    while not head_file(workdir).is_file():
        if time.monotonic() > deadline:
            raise RayBringUpError(f"node {name}: the Ray head did not start within {timeout:.0f} s",
                                  f"see {workdir} for the head's ray-*.log and the job log of rank 0")
        if done_file(workdir).exists():
            return "head finished before this node joined"
        time.sleep(POLL_S)
    address = json.loads(head_file(workdir).read_text())["address"]
    node = _start([f"--address={address}"], name, gpus_per_node, num_cpus, workdir)
    try:
        while not done_file(workdir).exists():
            if node.process.poll() is not None:
                raise RayBringUpError(f"node {name}: `ray start` exited {node.process.returncode}",
                                      f"see {node.log}")
            time.sleep(POLL_S)
    finally:
        node.stop()
    return f"node {name} left the Ray cluster at {address}"
