"""The Vivix API: client, response models and errors."""

from .client import DEFAULT_BASE_URL, VivixClient
from .errors import VivixAPIError, VivixError

__all__ = ["DEFAULT_BASE_URL", "VivixAPIError", "VivixClient", "VivixError"]
