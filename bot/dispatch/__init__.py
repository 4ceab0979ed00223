"""Runs queued jobs through the API under the key's limits, exactly once.

Event-driven: ``Dispatcher.kick()`` pumps the queue (``order``: round-robin across
servers, first come first served within one) while slots and the call budget allow;
``submit`` sends one job; each submitted job gets a ``follow`` task that polls it to a
terminal status; ``finish`` records the end and settles or releases the hold in one
transaction; ``delivery`` records the post before and after it, so a restart never
posts twice; ``announce`` tells waiting members their place in line.

Crash points (``checkpoint`` names), each resumed by ``Dispatcher.start()``:
  before_submit    after the hold: QUEUED       -> submitted with its stored Idempotency-Key
  submit_accepted  the API took it, not stored  -> the same key returns the same generation
  terminal_seen    the API says done, not stored -> polled again, then finished
  after_finish     settled, not posted          -> delivered
  after_post       posted, not recorded         -> the posted message is found, not sent again
"""

from __future__ import annotations

# Only the small shared types here, so the Discord side can import them without the engine;
# the engine itself is ``bot.dispatch.dispatcher.Dispatcher``.
from .types import Checkpoint, Delivery, Notifier, Pauses, Progress

CHECKPOINTS = ("before_submit", "submit_accepted", "terminal_seen", "after_finish", "after_post")

__all__ = ["CHECKPOINTS", "Checkpoint", "Delivery", "Notifier", "Pauses", "Progress"]
