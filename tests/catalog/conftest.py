"""Fixtures of the catalog tests."""

from __future__ import annotations

import pytest

from bot.vivix.models import ModelInfo
from tests.catalog.data import AUDIO, IMAGE, ODD, UTILITY, VIDEO, FakeClock, model


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def image() -> ModelInfo:
    return model(IMAGE)


@pytest.fixture
def video() -> ModelInfo:
    return model(VIDEO)


@pytest.fixture
def audio() -> ModelInfo:
    return model(AUDIO)


@pytest.fixture
def utility() -> ModelInfo:
    return model(UTILITY)


@pytest.fixture
def odd() -> ModelInfo:
    return model(ODD)
