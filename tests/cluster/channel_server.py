"""A Discord channel that several bot processes post to: a tiny HTTP server on 127.0.0.1.

The single-process chaos test keeps its channel in memory; bot processes of a cluster each
run in their own interpreter, so the channel they share lives here, in the test (or bench)
process, in a thread of its own like the sandbox. It outlives every bot process, as Discord
does, and remembers every post: which job, the message id it was given, the outcome it told
the member, the process that sent it and when it arrived (``time.monotonic`` of this process,
comparable with the sandbox's clock).

    POST /posts          {"job": id, "outcome": "completed", "node": "n1"} -> {"message_id": n}
    GET  /posts?job=<id> -> {"posts": [{"job", "message_id", "outcome", "node"}, ...]}
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import asdict, dataclass
from types import TracebackType

from aiohttp import web

FIRST_MESSAGE_ID = 900_000


@dataclass(frozen=True)
class Post:
    job: str
    message_id: int
    outcome: str | None
    node: str
    at: float  # time.monotonic() when the post arrived


class ChannelServer:
    """``with ChannelServer() as channel:`` serves on ``channel.url`` until the block ends."""

    def __init__(self) -> None:
        self._posts: list[Post] = []
        self._lock = threading.Lock()
        self._next_id = FIRST_MESSAGE_ID
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None

    @property
    def url(self) -> str:
        assert self._port is not None, "the channel server is not started"
        return f"http://127.0.0.1:{self._port}"

    # -- what the test reads -------------------------------------------------------------

    def posts(self) -> list[Post]:
        with self._lock:
            return list(self._posts)

    def posts_of(self, job_id: str) -> list[Post]:
        with self._lock:
            return [post for post in self._posts if post.job == job_id]

    def posted_jobs(self) -> set[str]:
        with self._lock:
            return {post.job for post in self._posts}

    # -- the HTTP side -------------------------------------------------------------------

    def _add(self, job: str, outcome: str | None, node: str) -> Post:
        with self._lock:
            self._next_id += 1
            post = Post(job, self._next_id, outcome, node, time.monotonic())
            self._posts.append(post)
            return post

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        post = self._add(str(body["job"]), body.get("outcome"), str(body.get("node", "")))
        return web.json_response({"message_id": post.message_id}, status=201)

    async def _get(self, request: web.Request) -> web.Response:
        job = request.query.get("job")
        posts = self.posts_of(job) if job is not None else self.posts()
        return web.json_response({"posts": [asdict(post) for post in posts]})

    # -- the thread ----------------------------------------------------------------------

    def __enter__(self) -> ChannelServer:
        self._thread = threading.Thread(target=self._run, name="channel-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._port is None:
            raise RuntimeError("the channel server did not start")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        loop, stopped, thread = self._loop, self._stopped, self._thread
        if loop is not None and stopped is not None and thread is not None:
            loop.call_soon_threadsafe(stopped.set)
            thread.join()

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        app = web.Application()
        app.router.add_post("/posts", self._post)
        app.router.add_get("/posts", self._get)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self._port = int(runner.addresses[0][1])
            self._ready.set()
            await self._stopped.wait()
        finally:
            self._ready.set()
            await runner.cleanup()
