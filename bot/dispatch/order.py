"""The order the queue submits waiting jobs in: a pure function, so the rule is tested alone."""

from __future__ import annotations

from collections.abc import Collection, Iterable


def round_robin(
    queued: Iterable[tuple[str, int]], *, after_guild: int | None = None, skip: Collection[str] = ()
) -> list[tuple[str, int]]:
    """(job id, server id) pairs in submit order.

    ``queued`` is every waiting job, oldest first. Servers take turns one job each, in
    ascending id order, starting with the first server after ``after_guild`` (the one
    served last) and wrapping around; within a server, oldest first. Jobs in ``skip``
    (already being submitted) are left out.
    """
    per_guild: dict[int, list[str]] = {}
    for job_id, guild_id in queued:
        if job_id not in skip:
            per_guild.setdefault(guild_id, []).append(job_id)
    guilds = sorted(per_guild)
    if after_guild is not None:
        later = [g for g in guilds if g > after_guild]
        guilds = later + [g for g in guilds if g <= after_guild]
    order: list[tuple[str, int]] = []
    for turn in range(max((len(ids) for ids in per_guild.values()), default=0)):
        order.extend((per_guild[g][turn], g) for g in guilds if turn < len(per_guild[g]))
    return order
