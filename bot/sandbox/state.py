"""Everything the sandbox knows: accounts, jobs, rate windows, queued faults, counters.

A generation's status is derived from the injected clock when asked; the wallet hold of a
job is settled lazily the first time any call sees it terminal. One lock guards
all of it: the server runs in its own thread while tests poke the state.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.accounts import Account, builtin_accounts, make_account
from bot.sandbox.catalog import MODELS_BY_SLUG
from bot.sandbox.errors import SandboxError
from bot.sandbox.faults import Fault, FaultQueue
from bot.sandbox.generations import SandboxGeneration
from bot.sandbox.media import render
from bot.sandbox.stats import SandboxStats
from bot.sandbox.validation import parse_generate_body

log = logging.getLogger(__name__)

FAIL_MARKER = "[fail]"
_FILE_NAME = re.compile(r"^(?P<id>.+)-(?P<n>\d+)\.(?P<ext>\w+)$")


@dataclass
class _Replay:
    fingerprint: str
    body: dict[str, Any]


class SandboxState:
    """The sandbox's data and rules. ``clock`` returns seconds (like ``time.monotonic``).

    ``time_scale`` multiplies every job duration; ``failure_rate`` is the chance
    (seeded by ``seed``) that a job ends ``failed``; ``send_retry_after=False``
    makes RATE_LIMIT answers omit ``Retry-After``; ``retention_seconds`` makes
    finished jobs answer 404 that long after they end; ``public_url`` overrides
    the origin of output URLs (by default the one the request was sent to).
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        time_scale: float = 1.0,
        seed: int = 0,
        failure_rate: float = 0.0,
        *,
        send_retry_after: bool = True,
        rate_window: float = 60.0,
        retention_seconds: float | None = None,
        public_url: str | None = None,
        epoch: datetime | None = None,
        builtin_keys: bool = True,
    ) -> None:
        self.clock = clock
        self.time_scale = time_scale
        self.failure_rate = failure_rate
        self.send_retry_after = send_retry_after
        self.rate_window = rate_window
        self.retention_seconds = retention_seconds
        self.public_url = public_url.rstrip("/") if public_url else None
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        self._start = clock()
        self._epoch = epoch or datetime.now(UTC).replace(microsecond=0)
        self._accounts: dict[str, Account] = {}
        self._jobs: dict[str, SandboxGeneration] = {}
        self._open: list[SandboxGeneration] = []
        self._replays: dict[tuple[str, str], _Replay] = {}
        self._faults = FaultQueue()
        self._stats = SandboxStats()
        for account in builtin_accounts() if builtin_keys else ():
            self._accounts[account.key] = account

    # -- the Python API for tests ------------------------------------------------

    def add_key(
        self,
        key: str,
        *,
        tier: str = "pro",
        calls_per_minute: int | None = None,
        concurrent_jobs: int | None = None,
        credits: int | None = None,
        allowlist: Iterable[str] | None = None,
        api_access: bool | None = None,
    ) -> Account:
        """Add (or replace) an account; limits not given take the tier's defaults."""
        account = make_account(
            key,
            tier=tier,
            calls_per_minute=calls_per_minute,
            concurrent_jobs=concurrent_jobs,
            credits=credits,
            allowlist=None if allowlist is None else frozenset(allowlist),
            api_access=api_access,
        )
        with self._lock:
            self._accounts[key] = account
        return account

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._accounts)

    def balance(self, key: str) -> int:
        """The wallet of ``key``, after settling every job that has ended."""
        with self._lock:
            self._settle(self.clock())
            return self._accounts[key].credits

    def set_balance(self, key: str, credits: int) -> None:
        """Settles ended jobs, then sets the wallet; holds of running jobs still settle on top."""
        with self._lock:
            self._settle(self.clock())
            self._account(key).credits = credits

    def revoke_key(self, key: str) -> None:
        """401 KEY_INVALID on every call with ``key`` until ``restore_key``; its jobs run on."""
        with self._lock:
            self._account(key).revoked = True

    def restore_key(self, key: str) -> None:
        """Undo ``revoke_key``: the same account comes back, wallet and jobs included."""
        with self._lock:
            self._account(key).revoked = False

    def lock_tier(self, key: str) -> None:
        """Every call with ``key`` answers 403 TIER_LOCKED (as after a downgrade) until ``unlock_tier``."""
        with self._lock:
            self._account(key).tier_locked = True

    def unlock_tier(self, key: str) -> None:
        """Undo ``lock_tier``. A key whose own tier has no API access stays locked."""
        with self._lock:
            self._account(key).tier_locked = False

    def account_info(self, key: str) -> dict[str, Any]:
        """What the admin route ``GET /_sandbox/keys/{key}`` shows (jobs settled first)."""
        with self._lock:
            now = self.clock()
            self._settle(now)
            return self._account(key).to_json(in_flight=sum(1 for job in self._open if job.key == key))

    def set_price_factor(self, key: str, factor: float) -> None:
        """A per-account pricing override: the key's jobs cost ``factor`` times the list price."""
        if factor <= 0:
            raise ValueError("the price factor must be above 0")
        with self._lock:
            self._account(key).price_factor = factor

    def in_flight(self, key: str) -> int:
        """Jobs of ``key`` still pending or processing."""
        with self._lock:
            self._settle(self.clock())
            return sum(1 for job in self._open if job.key == key)

    def job(self, generation_id: str) -> SandboxGeneration | None:
        with self._lock:
            return self._jobs.get(generation_id)

    def status_of(self, generation_id: str) -> str:
        with self._lock:
            return self._jobs[generation_id].status(self.clock())

    def seconds_to_finish(self, generation_id: str) -> float:
        """Clock seconds until the job is terminal (0 when it already is)."""
        with self._lock:
            return self._jobs[generation_id].seconds_left(self.clock())

    def reset_rate_limits(self) -> None:
        with self._lock:
            for account in self._accounts.values():
                account.calls.clear()

    def inject_fault(self, route: str, fault: Fault, times: int = 1) -> None:
        """Apply ``fault`` to the next ``times`` requests of ``route`` (see ``faults.ROUTES``)."""
        with self._lock:
            self._faults.add_http(route, fault, times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear_http()

    def fail_next_generations(
        self,
        times: int = 1,
        *,
        code: str = "PROVIDER_ERROR",
        message: str | None = None,
        model: str | None = None,
    ) -> None:
        """The next ``times`` generations created (of ``model`` only, if given) end ``failed``
        with ``code``, on their usual timeline, with ``credits_used`` 0 and the hold refunded.
        Their submits are accepted (201): unlike ``inject_fault``, no HTTP answer changes."""
        with self._lock:
            self._faults.add_generation_failure(times, code, message, model)

    def clear_generation_failures(self) -> None:
        with self._lock:
            self._faults.clear_generation_failures()

    def stats(self) -> SandboxStats:
        """A snapshot of the counters."""
        with self._lock:
            return self._stats.copy()

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = SandboxStats()

    # -- used by the HTTP layer --------------------------------------------------

    def record_request(self, route: str) -> None:
        with self._lock:
            self._stats.requests_by_route[route] += 1

    def record_response(self, status: int, code: str | None) -> None:
        with self._lock:
            self._stats.responses_by_status[status] += 1
            if status == 429:
                self._stats.throttled_by_code[code or "HTTP_429"] += 1

    def take_fault(self, route: str) -> Fault | None:
        with self._lock:
            fault = self._faults.take_http(route)
            if fault is not None:
                self._stats.faults_served += 1
            return fault

    def authenticate(self, authorization: str | None) -> Account:
        scheme, _, key = (authorization or "").partition(" ")
        with self._lock:
            account = self._accounts.get(key.strip()) if scheme.lower() == "bearer" else None
        if account is None or account.revoked:
            raise SandboxError(401, "KEY_INVALID", "Missing or unknown API key.")
        return account

    def require_access(self, account: Account) -> None:
        if account.locked:
            raise SandboxError(403, "TIER_LOCKED", f"The {account.tier} tier has no API access.")

    def account_headers(self, account: Account) -> dict[str, str]:
        """``X-RateLimit-Remaining`` and ``X-Credits-Balance``, with thousands separators."""
        with self._lock:
            now = self.clock()
            self._settle(now)
            self._prune(account, now)
            remaining = max(0, account.calls_per_minute - len(account.calls))
            return {"X-RateLimit-Remaining": f"{remaining:,}", "X-Credits-Balance": f"{account.credits:,}"}

    def models_body(self, account: Account) -> dict[str, Any]:
        with self._lock:
            now = self.clock()
            self._settle(now)
            self._consume_call(account, now)
            return {
                "tier": account.tier,
                "credits_balance": account.credits,
                "rate_limit": {
                    "calls_per_minute": account.calls_per_minute,
                    "concurrent_jobs": account.concurrent_jobs,
                },
                "models": [m.to_json() for m in MODELS_BY_SLUG.values() if account.allows(m.slug)],
            }

    def submit(self, account: Account, body: Any, idempotency_key: str | None = None) -> dict[str, Any]:
        """POST /generate: check, hold the estimate, create the job; returns the 201 body."""
        fingerprint = json.dumps(body, sort_keys=True, default=str)
        with self._lock:
            now = self.clock()
            self._settle(now)
            if idempotency_key:
                replay = self._replays.get((account.key, idempotency_key))
                if replay is not None:
                    if replay.fingerprint != fingerprint:
                        raise SandboxError(
                            409, "IDEMPOTENCY_CONFLICT", "This Idempotency-Key was used with another body."
                        )
                    self._stats.idempotent_replays += 1
                    return dict(replay.body)
            self._consume_call(account, now)
            job = self._new_job(account, body, now)
            if idempotency_key:
                self._replays[(account.key, idempotency_key)] = _Replay(fingerprint, job.created_body())
            return job.created_body()

    def generation_body(self, account: Account, generation_id: str, files_url: str) -> dict[str, Any]:
        """GET /generations/{id}; ``files_url`` is where ``/files/`` is served for this caller."""
        with self._lock:
            now = self.clock()
            self._settle(now)
            self._consume_call(account, now)
            job = self._jobs.get(generation_id)
            if job is None or self._expired(job, now):
                raise SandboxError(404, "NOT_FOUND", "No such generation.")
            if job.key != account.key:
                raise SandboxError(403, "NOT_YOURS", "This generation belongs to another account.")
            return job.status_body(now, self.public_url + "/files" if self.public_url else files_url)

    def output_file(self, name: str) -> tuple[bytes, str] | None:
        """The bytes and content type behind ``/files/<name>``, once the job has completed."""
        match = _FILE_NAME.match(name)
        if match is None:
            return None
        with self._lock:
            now = self.clock()
            job = self._jobs.get(match["id"])
            if job is None or self._expired(job, now) or job.status(now) != "completed":
                return None
        if name not in job.file_names():
            return None
        return render(job.model.extension, name, job.params.get("aspect_ratio"))

    # -- internals (call with the lock held) -----------------------------------

    def _new_job(self, account: Account, body: Any, now: float) -> SandboxGeneration:
        model, params = parse_generate_body(account, body)
        estimate, used = model.price(params)
        if account.price_factor != 1.0:
            estimate, used = (math.ceil(value * account.price_factor) for value in (estimate, used))
        if sum(1 for job in self._open if job.key == account.key) >= account.concurrent_jobs:
            raise SandboxError(
                429, "CONCURRENCY_LIMIT", f"{account.concurrent_jobs} generations are already in flight."
            )
        if account.credits < estimate:
            raise SandboxError(
                402,
                "INSUFFICIENT_CREDITS",
                f"This call needs up to {estimate:,} credits; {account.credits:,} left.",
            )
        rng = self._rng
        job_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        total = model.base_seconds * rng.uniform(0.8, 1.25)
        pending = min(rng.uniform(1.0, 2.0), total / 2)
        # Draw every number whatever the outcome, so one job's fate never shifts the next one's.
        unlucky = rng.random() < self.failure_rate
        fail_point = rng.uniform(0.2, 0.8)
        injected = self._faults.take_generation_failure(model.slug)
        if injected is not None:
            self._stats.generation_failures_served += 1
        fails = injected is not None or unlucky or FAIL_MARKER in params["prompt"].lower()
        end = pending + (total - pending) * fail_point if fails else total
        job = SandboxGeneration(
            id=job_id,
            key=account.key,
            model=model,
            params=params,
            estimate=estimate,
            used=min(used, estimate),
            created=now,
            created_at=self._epoch + timedelta(seconds=now - self._start),
            pending_s=pending * self.time_scale,
            end_s=end * self.time_scale,
            fails=fails,
        )
        if injected is not None:
            job.error, job.error_message = injected.code, injected.message
        account.credits -= estimate
        self._jobs[job.id] = job
        self._open.append(job)
        self._stats.generations_created += 1
        log.debug("job %s (%s): estimate %d, ends in %.1fs", job.id, model.slug, estimate, job.end_s)
        return job

    def _account(self, key: str) -> Account:
        account = self._accounts.get(key)
        if account is None:
            raise KeyError(f"no sandbox account for key {key!r}")
        return account

    def _settle(self, now: float) -> None:
        """Refund the holds of jobs that have ended: the difference, or everything on failure."""
        still_open: list[SandboxGeneration] = []
        for job in self._open:
            if now - job.created < job.end_s:
                still_open.append(job)
                continue
            refund = job.estimate if job.fails else job.estimate - job.used
            self._accounts[job.key].credits += refund
            job.settled = True
        self._open = still_open

    def _prune(self, account: Account, now: float) -> None:
        while account.calls and account.calls[0] <= now - self.rate_window:
            account.calls.popleft()

    def _consume_call(self, account: Account, now: float) -> None:
        self._prune(account, now)
        if len(account.calls) >= account.calls_per_minute:
            headers: dict[str, str] = {}
            if self.send_retry_after:
                wait = account.calls[0] + self.rate_window - now if account.calls else self.rate_window
                headers["Retry-After"] = str(max(1, math.ceil(wait)))
            raise SandboxError(
                429, "RATE_LIMIT", f"{account.calls_per_minute} calls per minute exceeded.", headers=headers
            )
        account.calls.append(now)

    def _expired(self, job: SandboxGeneration, now: float) -> bool:
        return self.retention_seconds is not None and now - job.created - job.end_s > self.retention_seconds
