"""Bot processes of a cluster, seen from the test (or bench) that starts and kills them.

Each ``Node`` is a ``python -m tests.cluster.node`` subprocess; a reader task drains its output
(stdout and stderr together) line by line, keeps the lines for a failure message, and notes
when it printed that it started and when it logged "became the leader" (``time.monotonic`` of
this process when the line was read). Which process leads is read from its own log line: a
leader that loses its lock exits at once, so the live node that most recently became the
leader is the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.cluster.node import STARTED

ROOT = Path(__file__).resolve().parents[2]
LEADER_LINE = "became the leader"
STOP_SECONDS = 15.0


@dataclass
class Node:
    name: str
    process: asyncio.subprocess.Process = field(repr=False)
    lines: list[str] = field(default_factory=list, repr=False)
    started_at: float | None = None
    leader_at: float | None = None  # the last time it logged that it became the leader
    killed_at: float | None = None
    reader: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.returncode is None and self.killed_at is None

    def tail(self, n: int = 15) -> str:
        return "\n".join(f"  {self.name}| {line}" for line in self.lines[-n:])


class Cluster:
    """Starts, watches, kills and stops the bot processes of one run."""

    def __init__(self, *, database: str, sandbox_url: str, channel_url: str, time_scale: float, scratch: Path) -> None:
        self.database = database
        self.sandbox_url = sandbox_url
        self.channel_url = channel_url
        self.time_scale = time_scale
        self.scratch = scratch
        self.nodes: list[Node] = []
        self._changed = asyncio.Condition()

    async def start_node(self, name: str, seed: int, within: float = 60.0) -> Node:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.cluster.node", "--database-url", self.database,
            "--sandbox-url", self.sandbox_url, "--channel-url", self.channel_url,
            "--time-scale", str(self.time_scale), "--name", name, "--seed", str(seed),
            "--scratch", str(self.scratch),
            cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL,
        )
        node = Node(name, process)
        node.reader = asyncio.ensure_future(self._read(node))
        self.nodes.append(node)
        await self.wait_for(lambda: node.started_at is not None or node.process.returncode is not None,
                            within, f"{name} starts")
        if node.started_at is None:
            raise AssertionError(f"{name} exited with {node.process.returncode} before it started:\n{node.tail()}")
        return node

    async def _read(self, node: Node) -> None:
        stream = node.process.stdout
        assert stream is not None
        while line := await stream.readline():
            text = line.decode(errors="replace").rstrip()
            node.lines.append(text)
            now = time.monotonic()
            if LEADER_LINE in text:
                node.leader_at = now
            elif text.startswith(f"node {node.name} ") and text.endswith(STARTED):
                node.started_at = now
            else:
                continue
            async with self._changed:
                self._changed.notify_all()
        await node.process.wait()
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, condition: Callable[[], bool], within: float, what: str) -> None:
        """Until ``condition()`` holds, woken by every start, leader line and exit the readers see."""
        try:
            async with asyncio.timeout(within), self._changed:
                await self._changed.wait_for(condition)
        except TimeoutError:
            raise AssertionError(f"timed out after {within:.0f}s waiting until {what}\n{self.tails()}") from None

    def leader(self) -> Node | None:
        """The live node that most recently became the leader."""
        leaders = [node for node in self.nodes if node.alive and node.leader_at is not None]
        return max(leaders, key=lambda node: node.leader_at or 0.0, default=None)

    async def leader_after(self, moment: float, within: float = 30.0) -> Node:
        """The node that became the leader after ``moment`` (monotonic)."""
        def elected() -> bool:
            leader = self.leader()
            return leader is not None and (leader.leader_at or 0.0) > moment
        await self.wait_for(elected, within, "a node becomes the leader")
        leader = self.leader()
        assert leader is not None
        return leader

    async def kill(self, node: Node) -> float:
        """SIGKILL, as a crash or an OOM kill would; returns the moment it was sent."""
        node.killed_at = time.monotonic()
        node.process.send_signal(signal.SIGKILL)
        await node.process.wait()
        return node.killed_at

    async def stop(self, node: Node) -> None:
        """SIGTERM: the node closes its services and exits (a leader lets go of its lock)."""
        node.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(node.process.wait(), STOP_SECONDS)
        except TimeoutError:
            node.process.kill()
            await node.process.wait()

    def exits(self) -> dict[str, int | None]:
        return {node.name: node.process.returncode for node in self.nodes}

    def tails(self) -> str:
        return "\n".join(node.tail() for node in self.nodes)

    async def close(self) -> None:
        """SIGTERM every live node (it closes its services), SIGKILL what is left after a while."""
        for node in self.nodes:
            if node.process.returncode is None:
                node.process.send_signal(signal.SIGTERM)
        for node in self.nodes:
            try:
                await asyncio.wait_for(node.process.wait(), STOP_SECONDS)
            except TimeoutError:
                node.process.kill()
                await node.process.wait()
            if node.reader is not None:
                with contextlib.suppress(Exception):
                    await node.reader
