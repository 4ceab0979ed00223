"""Argument checks shared by the ledger's public methods; each failure is a typed error."""

from __future__ import annotations

from collections.abc import Iterable

from bot.ledger.errors import InvalidAmountError, InvalidInputError
from bot.ledger.models import Inherit, Unchanged

Actor = int | str
"""Who did it: a Discord user id, or a word such as ``"system"``."""

MAX_REASON = 500


def snowflake(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInputError(field, value, "must be a positive integer id")
    return value


def snowflakes(field: str, values: Iterable[object]) -> frozenset[int]:
    return frozenset(snowflake(field, value) for value in values)


def positive_amount(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidAmountError(field, value, "must be a whole number of credits above 0")
    return value


def count(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidAmountError(field, value, "must be a whole number, 0 or more")
    return value


def job_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InvalidInputError("job_id", value, "must be a non-empty string of at most 200 characters")
    return value


def actor(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise InvalidInputError("actor", value, "must be a user id or a short name such as 'system'")
    return value.strip()


def reason(value: object) -> str:
    if not isinstance(value, str) or len(value) > MAX_REASON:
        raise InvalidInputError("reason", value, f"must be text of at most {MAX_REASON} characters")
    return value.strip()


def cap_value(field: str, value: object) -> int | Inherit | Unchanged | None:
    if value is None or isinstance(value, Inherit | Unchanged):
        return value
    return count(field, value)
