"""The limits live in ecosystem.config: Streamlit's own upload cap and the readers' defaults agree with it."""

from __future__ import annotations

import tomllib

import pytest

from conftest import REPO
from ecosystem.config import DEFAULT_MAX_ROWS, DEFAULT_MAX_UPLOAD_MB, upload_limits
from ecosystem.readers import ReadLimits


@pytest.fixture()
def default_limits(monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    monkeypatch.delenv("ECOSYSTEM_MAX_UPLOAD_MB", raising=False)
    monkeypatch.delenv("ECOSYSTEM_MAX_ROWS", raising=False)
    return upload_limits()


def test_streamlit_upload_cap_states_the_default_upload_limit(default_limits):
    streamlit = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert streamlit["server"]["maxUploadSize"] == DEFAULT_MAX_UPLOAD_MB
    assert default_limits == (DEFAULT_MAX_UPLOAD_MB * 1_000_000, DEFAULT_MAX_ROWS)


def test_read_limits_default_to_the_upload_limits(default_limits):
    assert (ReadLimits().max_bytes, ReadLimits().max_rows) == default_limits


def test_the_environment_overrides_the_upload_limits(monkeypatch):
    monkeypatch.setenv("ECOSYSTEM_MAX_UPLOAD_MB", "2.5")
    monkeypatch.setenv("ECOSYSTEM_MAX_ROWS", "10")
    assert upload_limits() == (2_500_000, 10)
