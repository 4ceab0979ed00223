"""The task supervisor: every background task named, crash-logged and cancelled on close."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.tasks import TaskSupervisor


async def test_close_cancels_what_still_runs() -> None:
    tasks = TaskSupervisor()
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    task = tasks.spawn(forever(), "forever")
    await started.wait()
    assert tasks.running() == ["forever"]
    await tasks.close()
    assert task.cancelled()
    assert tasks.running() == []


async def test_a_crash_is_logged_with_the_tasks_name(caplog: pytest.LogCaptureFixture) -> None:
    tasks = TaskSupervisor()

    async def broken() -> None:
        raise RuntimeError("boom")

    task = tasks.spawn(broken(), "deliver 1234abcd")
    with pytest.raises(RuntimeError):
        await task
    await asyncio.sleep(0)  # done callbacks run on the next loop turn
    crashes = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in crashes] == ["Background task deliver 1234abcd crashed"]
    await tasks.close()


async def test_a_task_spawned_after_close_never_runs() -> None:
    tasks = TaskSupervisor()
    await tasks.close()
    ran = []

    async def work() -> None:
        ran.append(True)

    task = tasks.spawn(work(), "late")
    await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled() and ran == []
