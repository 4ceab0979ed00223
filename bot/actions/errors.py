"""Why a result action is refused, in the clicker's words."""

from __future__ import annotations

from ..errors import BotError, clip


class ActionError(BotError):
    """A result action that cannot be done."""


class SourceGoneError(ActionError):
    def __init__(self, deleted: bool) -> None:
        what = "was deleted" if deleted else "is no longer known to the bot"
        super().__init__(f"🗑️ That result {what}, so its buttons no longer work. Nothing was charged.")


class ModelGoneError(ActionError):
    def __init__(self, slug: str, nearest: str | None) -> None:
        self.slug = slug
        self.nearest = nearest
        hint = f" The nearest model of the same kind is `{nearest}`." if nearest else ""
        super().__init__(f"❌ `{clip(slug, 60)}` is no longer offered by the generation service.{hint} "
                         "Nothing was charged.")


class NoSuchActionError(ActionError):
    def __init__(self, what: str) -> None:
        super().__init__(f"❌ {what} Nothing was charged.")


class NotYourResultError(ActionError):
    def __init__(self) -> None:
        super().__init__("🔒 Only the person who made this, or someone who may manage messages here, can delete it.")


class OutsideServerError(ActionError):
    def __init__(self) -> None:
        super().__init__("Result buttons work in the server where the result was made.")
