"""History: every registry version, what it changed, a download of any version, rollback for administrators."""

import streamlit as st

from ecosystem import app
from ecosystem.auth import can_rollback
from ecosystem.i18n import t
from ecosystem.registry_io import registry_csv_bytes
from ecosystem.tables import diff_table, versions_table

view = app.current_view()
lang = view.lang
st.title(t("page.history", lang))
st.write(t("history.intro", lang))

store = app.registry_store_or_stop(lang)
versions = store.versions()
if versions.empty:
    st.info(t("history.empty", lang))
    st.stop()
st.dataframe(versions_table(versions, lang), hide_index=True, width="stretch")

numbers = versions["version"].tolist()
if st.session_state.get("_history_newest") != numbers[0]:  # a new version arrived: show it
    st.session_state["history_version"] = st.session_state["_history_newest"] = numbers[0]
chosen = st.selectbox(t("history.pick", lang), numbers, key="history_version")
content, previous = store.read(chosen), store.read(chosen - 1)
names = dict(zip(previous["id"], previous["name"])) | dict(zip(content["id"], content["name"]))
st.dataframe(diff_table(store.diff(chosen - 1, chosen), names, lang), hide_index=True, width="stretch")
st.download_button(t("history.download", lang, version=chosen), registry_csv_bytes(content),
                   file_name=f"baltic-ecosystem-registry_v{chosen}.csv", mime="text/csv")

account = app.signed_in_account(lang, "history.sign_in_to_rollback")
if account is not None and chosen != numbers[0]:
    if not can_rollback(account):
        st.caption(t("auth.admin_only", lang))
    else:
        confirmed = st.checkbox(t("history.rollback_confirm", lang, version=chosen), key="rollback_confirm")
        if st.button(t("history.rollback", lang, version=chosen), disabled=not confirmed, key="rollback"):
            new = store.rollback(chosen, account=account.username)
            st.success(t("history.rolled_back", lang, new=new, old=chosen))
