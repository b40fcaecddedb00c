"""Tables for people: codes said in the chosen language (the history's actions)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ecosystem.i18n import LANGUAGES, t
from ecosystem.store import VERSION_COLUMNS
from ecosystem.tables import versions_table

ACTIONS = ("seed", "import", "replace", "rollback")


def _versions() -> pd.DataFrame:
    rows = [{"version": number, "created_at": "2031-03-14T10:00:00", "account": "anna", "file_name": "f.csv",
             "action": action, "base_version": number - 1, "rows": 3, "summary": json.dumps({}), "added": 1,
             "changed": 0, "removed": 0, "restores": None, "checksum": ""} for number, action in enumerate(ACTIONS, start=1)]
    return pd.DataFrame(rows)[VERSION_COLUMNS]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_history_names_each_action_in_the_language(lang):
    table = versions_table(_versions(), lang)
    shown = table[t("history.action", lang)].tolist()
    assert shown == [t(f"history.action_{action}", lang) for action in ACTIONS]
    assert len(set(shown)) == len(ACTIONS)
    if lang != "en":
        assert not set(shown) & {*ACTIONS, *(t(f"history.action_{action}", "en") for action in ACTIONS)}

