"""Why a preference or a gallery request is refused, in the member's words."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import InputError, clip

SHOWN_NAMES = 30


class WorkspaceError(InputError):
    """A /prefer, /quota defaults or /mine request that cannot be done; nothing was changed."""


class UnknownPreferenceError(WorkspaceError):
    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        shown = ", ".join(f"`{n}`" for n in known[:SHOWN_NAMES]) + (" …" if len(known) > SHOWN_NAMES else "")
        super().__init__(f"❌ No model here takes an option `{clip(name, 40)}`. Preferences can be: {shown}. "
                         "Nothing was changed.")


class ModelPreferenceNeedsKindError(WorkspaceError):
    def __init__(self, categories: Sequence[str]) -> None:
        names = ", ".join(f"`model:{c}`" for c in categories)
        super().__init__(f"❌ Say which kind of model: {names}. Nothing was changed.")


class BadPreferenceValueError(WorkspaceError):
    def __init__(self, name: str, value: str, reason: str, allowed: Sequence[str] = ()) -> None:
        self.name = name
        self.value = value
        self.allowed = tuple(allowed)
        tail = f" Allowed: {clip(', '.join(allowed), 300)}." if allowed else ""
        super().__init__(f"❌ `{clip(value, 40)}` does not fit `{name}`: {reason}.{tail} Nothing was changed.")


class PreferenceNotSetError(WorkspaceError):
    def __init__(self, name: str, server: bool) -> None:
        whose = "This server has no default" if server else "You have no preference"
        super().__init__(f"❌ {whose} `{clip(name, 40)}`. Nothing was changed.")


class GalleryGoneError(WorkspaceError):
    def __init__(self) -> None:
        super().__init__("❌ That gallery is no longer known; run `/mine` again.")


class NotYourGalleryError(WorkspaceError):
    def __init__(self, owner_id: int) -> None:
        super().__init__(f"🔒 This gallery belongs to <@{owner_id}>; run `/mine` to see yours.")


class NotShareableError(WorkspaceError):
    def __init__(self, why: str) -> None:
        super().__init__(f"❌ {why} Nothing was posted.")
