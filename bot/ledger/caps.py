"""Which cap applies to a member: member setting, else most generous role, else guild default.

Each limit (day, cycle, in_flight) is resolved on its own. Among roles, None
(unlimited) beats any number. The guild default falls back to the bot's defaults.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from bot.ledger.models import INHERIT, Caps, CapValue, ScopedCaps
from bot.store.credit_limits import LimitName, LimitScope, LimitSetting

LIMIT_NAMES: tuple[LimitName, ...] = ("day", "cycle", "in_flight")


def _fallback_value(fallback: Caps, name: LimitName) -> int | None:
    return {"day": fallback.day, "cycle": fallback.cycle, "in_flight": fallback.max_in_flight}[name]


def _caps_from(values: dict[LimitName, int | None]) -> Caps:
    return Caps(day=values["day"], cycle=values["cycle"], max_in_flight=values["in_flight"])


def guild_default_caps(settings: Iterable[LimitSetting], fallback: Caps) -> Caps:
    """The guild's default caps, the bot's defaults where the guild set none."""
    values = {name: _fallback_value(fallback, name) for name in LIMIT_NAMES}
    for setting in settings:
        if setting.scope == "default":
            values[setting.name] = setting.value
    return _caps_from(values)


def resolve_caps(
    settings: Iterable[LimitSetting], member_id: int, role_ids: Collection[int], fallback: Caps
) -> Caps:
    settings = list(settings)
    default = guild_default_caps(settings, fallback)
    values: dict[LimitName, int | None] = {}
    for name in LIMIT_NAMES:
        mine = [s for s in settings if s.name == name]
        own = [s.value for s in mine if s.scope == "member" and s.target_id == member_id]
        if own:
            values[name] = own[0]
            continue
        roles = [s.value for s in mine if s.scope == "role" and s.target_id in role_ids]
        if roles:
            values[name] = None if None in roles else max(v for v in roles if v is not None)
            continue
        values[name] = _fallback_value(default, name)
    return _caps_from(values)


def scoped_caps(settings: Iterable[LimitSetting], scope: LimitScope, target_id: int) -> ScopedCaps:
    """What is set explicitly at one scope; INHERIT where nothing is."""
    found: dict[LimitName, CapValue] = dict.fromkeys(LIMIT_NAMES, INHERIT)
    for setting in settings:
        if setting.scope == scope and setting.target_id == target_id:
            found[setting.name] = setting.value
    return ScopedCaps(
        scope=scope,
        target_id=None if scope == "default" else target_id,
        day=found["day"],
        cycle=found["cycle"],
        max_in_flight=found["in_flight"],
    )


def all_scoped_caps(settings: Iterable[LimitSetting], scope: LimitScope) -> tuple[ScopedCaps, ...]:
    settings = list(settings)
    targets = sorted({s.target_id for s in settings if s.scope == scope})
    return tuple(scoped_caps(settings, scope, target) for target in targets)
