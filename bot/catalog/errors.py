"""Member-facing errors of the catalog: each names what was wrong and what is allowed."""

from __future__ import annotations

from ..errors import BotError


class CatalogError(BotError):
    """The request does not fit the API's live model list."""


class ParamValidationError(CatalogError):
    """A request the bot refuses before any credit is spent.

    ``field`` is the option at fault (``prompt``, ``duration``, ``options``, ``model``...),
    ``message`` a sentence for the member (Discord markdown, never a secret), and
    ``allowed`` what would be accepted, as short strings: the enum values, the option
    names, or a single range such as ``"2\u201310"``; empty when nothing simple applies.
    """

    def __init__(self, field: str, message: str, allowed: tuple[str, ...] = ()) -> None:
        self.field = field
        self.allowed = tuple(allowed)
        super().__init__(message)

    def __repr__(self) -> str:
        return (
            f"ParamValidationError(field={self.field!r}, message={self.message!r}, allowed={self.allowed!r})"
        )


class CatalogUnavailableError(CatalogError):
    """No model list has been loaded yet (the API has not answered /models)."""

    def __init__(
        self,
        message: str = "⚠️ The model list is not loaded yet: the generation API is not answering. "
        "Try again in a minute; nothing was charged.",
    ) -> None:
        super().__init__(message)
