"""History: every registry version, what it changed, a download of any version, rollback for administrators."""

import streamlit as st

from ecosystem.auth import can_rollback
from ecosystem.derived import Derivation
from ecosystem.i18n import t
from ecosystem.registry_io import registry_csv_bytes
from ecosystem.store import NothingToCommit, RegistryStore, StaleVersionError
from ecosystem.tables import diff_table, names_by_id, set_aside_of, versions_table
from ecosystem.ui.cache import registry_store_or_stop
from ecosystem.ui.navigation import leave_legacy_pages_mode
from ecosystem.ui.sign_in import signed_in_account
from ecosystem.ui.text import plain
from ecosystem.view import View


def roll_back(store: RegistryStore, version: int, seen: int, username: str, derivation: Derivation) -> None:
    """The rollback button: roll back to ``version`` unless a version was saved after ``seen``, the current
    version when the button was shown (the outcome is said on the run that follows); the new version keeps the
    regions and warnings ``derivation`` derives from its content."""
    derived = derivation.derive(store.read(version)).parts()
    try:
        st.session_state["_rollback_done"] = (store.rollback(version, account=username, base_version=seen,
                                                             derived=derived), version)
    except StaleVersionError as stale:
        st.session_state["_rollback_stale"] = (version, stale.base_version, stale.current_version)
    except NothingToCommit as same:
        st.session_state["_rollback_same"] = (version, same.current_version)


def review_again(version: int) -> None:
    """Show the version to roll back to again, with its confirmation unticked."""
    st.session_state["history_version"] = version


def render(view: View) -> None:
    """The History page: the versions, one version's changes and download, the rollback of an administrator."""
    lang = view.lang
    st.title(t("page.history", lang))
    st.write(t("history.intro", lang))

    store = registry_store_or_stop(lang)
    versions = store.versions()
    if versions.empty:
        st.info(t("history.empty", lang))
        st.stop()
    st.dataframe(versions_table(versions, lang), hide_index=True, width="stretch")

    numbers = versions["version"].tolist()
    if st.session_state.get("_history_newest") != numbers[0]:  # a new version arrived: show it
        st.session_state["history_version"] = st.session_state["_history_newest"] = numbers[0]
    chosen = st.selectbox(t("history.pick", lang), numbers, key="history_version")
    count, rows = set_aside_of(versions.loc[versions["version"] == chosen, "summary"].iloc[0])
    if count:
        listed = ", ".join(f"{row['row']} ({row['id']})" if row.get("id") else str(row["row"]) for row in rows)
        st.info(t("history.set_aside_rows", lang, count=count, rows=plain(listed) + (" …" if count > len(rows) else "")))
    content, previous = store.read(chosen), store.read(chosen - 1)
    names = names_by_id(previous, content)
    st.dataframe(diff_table(store.diff(chosen - 1, chosen), names, lang), hide_index=True, width="stretch")
    st.download_button(t("history.download", lang, version=chosen), registry_csv_bytes(content),
                       file_name=f"baltic-ecosystem-registry_v{chosen}.csv", mime="text/csv")

    account = signed_in_account(lang, "history.sign_in_to_rollback")
    if "_rollback_done" in st.session_state:
        new, old = st.session_state.pop("_rollback_done")
        st.success(t("history.rolled_back", lang, new=new, old=old))
    if "_rollback_same" in st.session_state:
        wanted, current = st.session_state.pop("_rollback_same")
        st.info(t("history.rollback_same", lang, version=wanted, current=current))
    if "_rollback_stale" in st.session_state:
        wanted, seen, current = st.session_state.pop("_rollback_stale")
        st.error(t("history.rollback_stale", lang, version=wanted, seen=seen, current=current))
        st.button(t("history.review_again", lang, version=wanted), on_click=review_again, args=(wanted,),
                  key="rollback_review")
    if account is not None and chosen != numbers[0]:
        if not can_rollback(account):
            st.caption(t("auth.admin_only", lang))
        elif store.read_only:
            st.error(t("store.read_only", lang, path=plain(store.location)))
        else:
            confirmed = st.checkbox(t("history.rollback_confirm", lang, version=chosen), key="rollback_confirm")
            st.button(t("history.rollback", lang, version=chosen), disabled=not confirmed, key="rollback",
                      on_click=roll_back, args=(store, chosen, numbers[0], account.username, view.derivation))


if __name__ == "__main__":  # run on its own by Streamlit's legacy pages/ mode: hand over to the router
    leave_legacy_pages_mode()
