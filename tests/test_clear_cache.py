"""What Streamlit's ``clear_cache`` message — which any visitor's browser can send — leaves in place: the
registry built once per version (``ecosystem.ui.cache._kept``). The sign-in lockout is tested in test_lockout.py
and, against a running server, in browser/test_lockout_clear_cache.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

from apptests import open_dashboard
from ecosystem import view
from ecosystem.ui import cache


@pytest.fixture()
def data_dir(app_data_dir: Path) -> Path:
    return app_data_dir


def test_a_cache_clear_does_not_rebuild_the_registry(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    typed = view.typed_registry

    def counting(raw: pd.DataFrame) -> pd.DataFrame:
        built.append(len(raw))
        return typed(raw)

    monkeypatch.setattr(view, "typed_registry", counting)
    first = open_dashboard("overview").run()
    assert not first.exception and len(built) == 1  # the registry's version 1, read once
    st.cache_data.clear()
    st.cache_resource.clear()  # what clear_cache does on the server
    second = open_dashboard("overview").run()
    assert not second.exception and len(built) == 1
    assert second.metric[0].value == first.metric[0].value


def test_kept_results_are_keyed_like_cache_resource_and_the_least_recent_goes_first() -> None:
    built: list[int] = []

    @cache._kept(max_entries=2)
    def square(number: int, _note: object) -> int:
        built.append(number)
        return number * number

    assert [square(2, "a"), square(2, "b"), square(3, None)] == [4, 4, 9]  # ``_note`` is not part of the key
    square(2, None)  # 2 is now more recent than 3
    square(4, None)  # drops 3
    assert [square(2, None), square(3, None)] == [4, 9]
    assert built == [2, 3, 4, 3]
