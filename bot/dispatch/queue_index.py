"""The waiting jobs in submit order, kept in memory so neither picking the next job nor telling a
member their place costs a scan of the queue.

Per server, jobs wait oldest first (by ``created_at``, then in the order they were added: jobs
made in the same instant keep their arrival order, as rowid keeps it in the database); servers take turns one job each,
starting after the server served last (the same rule as ``order.round_robin``, which stays the
reference the tests compare with). Costs, with n waiting jobs and G servers that have any:
``next`` O(log G), ``add``/``discard`` O(log n), ``position`` O(G + log n).

The database stays the truth: the index is rebuilt from it at start, and a job picked from it
is still claimed in the database, so a stale entry is skipped, never submitted twice.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from sortedcontainers import SortedList

Key = tuple[str, int, str]  # (created_at as stored: fixed-width UTC text, arrival number, job id)


class QueueIndex:
    def __init__(self) -> None:
        self._by_guild: dict[int, SortedList[Key]] = {}
        self._guilds: SortedList[int] = SortedList()  # servers with at least one waiting job
        self._where: dict[str, tuple[int, Key]] = {}
        self.after_guild: int | None = None  # the server served last: the next turn starts after it
        self._arrivals = itertools.count()

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._where

    def count(self, guild_id: int) -> int:
        """How many jobs of one server wait."""
        jobs = self._by_guild.get(guild_id)
        return len(jobs) if jobs is not None else 0

    def replace_all(self, waiting: Iterable[tuple[str, int, str]]) -> None:
        """(job id, guild id, created_at text) of every waiting job, from the database, oldest first."""
        self._by_guild.clear()
        self._guilds.clear()
        self._where.clear()
        for job_id, guild_id, created in waiting:
            self.add(job_id, guild_id, created)

    def add(self, job_id: str, guild_id: int, created: str) -> None:
        if job_id in self._where:
            return
        key = (created, next(self._arrivals), job_id)
        jobs = self._by_guild.get(guild_id)
        if jobs is None:
            jobs = self._by_guild[guild_id] = SortedList[Key]()
            self._guilds.add(guild_id)
        jobs.add(key)
        self._where[job_id] = (guild_id, key)

    def discard(self, job_id: str) -> bool:
        found = self._where.pop(job_id, None)
        if found is None:
            return False
        guild_id, key = found
        jobs = self._by_guild[guild_id]
        jobs.remove(key)
        if not jobs:
            del self._by_guild[guild_id]
            self._guilds.remove(guild_id)
        return True

    def _rotation_start(self) -> int:
        """Index into ``_guilds`` of the server whose turn is next."""
        if self.after_guild is None:
            return 0
        start = self._guilds.bisect_right(self.after_guild)
        return 0 if start >= len(self._guilds) else start

    def next(self) -> tuple[str, int] | None:
        """(job id, guild id) of the job the queue submits next, or None when nothing waits."""
        if not self._guilds:
            return None
        guild_id = self._guilds[self._rotation_start()]
        return self._by_guild[guild_id][0][2], guild_id

    def position(self, job_id: str) -> int | None:
        """The job's place in line (1 = next), or None when it is not waiting."""
        found = self._where.get(job_id)
        if found is None:
            return None
        guild_id, key = found
        turn = self._by_guild[guild_id].index(key)  # its server's jobs before it
        start = self._rotation_start()
        mine = self._guilds.index(guild_id)
        ahead = turn
        for offset in range(len(self._guilds)):
            index = (start + offset) % len(self._guilds)
            other = self._guilds[index]
            if other == guild_id:
                continue
            count = len(self._by_guild[other])
            ahead += min(count, turn)
            before_mine = (index - start) % len(self._guilds) < (mine - start) % len(self._guilds)
            if before_mine and count > turn:
                ahead += 1  # its job of the same turn goes first
        return ahead + 1

    def in_order(self, limit: int | None = None, guild_id: int | None = None) -> Iterator[tuple[int, str, int]]:
        """(place, job id, guild id) from the front of the line, optionally of one server only.
        Stops after ``limit`` yielded entries; costs O(G) per turn walked."""
        if not self._guilds:
            return
        start = self._rotation_start()
        rotation = [self._guilds[(start + i) % len(self._guilds)] for i in range(len(self._guilds))]
        place = 0
        yielded = 0
        turn = 0
        while rotation:
            still = []
            for guild in rotation:
                jobs = self._by_guild[guild]
                if turn >= len(jobs):
                    continue
                still.append(guild)
                place += 1
                if guild_id is None or guild == guild_id:
                    yield place, jobs[turn][2], guild
                    yielded += 1
                    if limit is not None and yielded >= limit:
                        return
            rotation = still
            turn += 1
