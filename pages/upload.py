"""Upload: a partner's file → what was read → problems → what would change → confirm → new version."""

import hashlib

import streamlit as st

from ecosystem.auth import Account
from ecosystem.config import upload_limits
from ecosystem.derived import Derivation
from ecosystem.i18n import t
from ecosystem.imports import ImportPlan, commit_plan, plan_import, set_aside_file
from ecosystem.readers import ReadLimits, template_csv_bytes, template_xlsx_bytes
from ecosystem.registry_io import table_csv_bytes
from ecosystem.store import RegistryStore, StaleVersionError
from ecosystem.tables import diff_table, names_by_id, problems_table
from ecosystem.ui.cache import registry_store_or_stop
from ecosystem.ui.dropzone import dropzone_in_language
from ecosystem.ui.navigation import leave_legacy_pages_mode
from ecosystem.ui.sign_in import signed_in_account
from ecosystem.ui.text import plain
from ecosystem.view import View


def confirm(plan: ImportPlan, store: RegistryStore, account: Account, derivation: Derivation) -> None:
    """The confirm button: save exactly the plan shown, with its derived regions and warnings (its outcome is said
    on the run that follows). When the registry changed since that plan was made, nothing is saved: the next run
    shows the new preview."""
    try:
        st.session_state["_upload_saved"] = (commit_plan(plan, store, account, derivation), len(plan.set_aside))
    except StaleVersionError as stale:
        st.session_state["_upload_stale"] = (stale.base_version, stale.current_version)


def _set_rows_aside(digest: str | None) -> None:
    """The partner's choice: import the valid rows of the file ``digest`` names and set the others aside (None:
    import nothing until every row is fixed)."""
    st.session_state["_upload_skip_invalid"] = digest


def render(view: View) -> None:
    """The Upload page: sign in, templates, the file, what was read, its problems, what would change, confirm."""
    lang, taxonomy = view.lang, view.taxonomy
    st.title(t("page.upload", lang))
    st.write(t("upload.intro", lang))

    account = signed_in_account(lang)
    if account is None:
        st.stop()

    max_bytes, max_rows = upload_limits()
    limit_mb = min(int(st.get_option("server.maxUploadSize")), max_bytes // 1_000_000)
    st.caption(t("upload.templates", lang))
    templates = st.columns(2)
    templates[0].download_button(t("upload.template_csv", lang), template_csv_bytes(taxonomy, lang),
                                 file_name="baltic-ecosystem-template.csv", mime="text/csv")
    templates[1].download_button(t("upload.template_xlsx", lang), template_xlsx_bytes(taxonomy, lang),
                                 file_name="baltic-ecosystem-template.xlsx",
                                 mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    st.subheader(t("upload.step_file", lang))
    types = ["csv", "txt", "tsv", "xlsx", "geojson", "json"]
    dropzone_in_language("upload_file", lang, limit_mb, types)
    upload = st.file_uploader(t("upload.file", lang, limit=limit_mb), type=types, key="upload_file")
    mode = st.radio(t("upload.mode", lang), ["upsert", "replace"], key="upload_mode", horizontal=True,
                    format_func=lambda value: t(f"upload.mode_{value}", lang))
    if upload is None:
        st.stop()

    store = registry_store_or_stop(lang)
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    skip_invalid = st.session_state.get("_upload_skip_invalid") == digest  # asked for this very file
    plan_key = (digest, upload.name, mode, store.key, store.current_version(), account.username, lang, skip_invalid)
    if st.session_state.get("upload_plan_key") != plan_key:
        st.session_state["upload_plan"] = plan_import(
            data, upload.name, store=store, account=account, context=view.context, mode=mode, lang=lang,
            limits=ReadLimits(max_bytes=limit_mb * 1_000_000, max_rows=max_rows), skip_invalid=skip_invalid)
        st.session_state["upload_plan_key"] = plan_key
    plan = st.session_state["upload_plan"]
    if "_upload_saved" in st.session_state:
        version, set_aside = st.session_state.pop("_upload_saved")
        st.success(t("upload.saved", lang, version=version))
        if set_aside:
            st.info(t("upload.saved_set_aside", lang, count=set_aside))
        st.balloons()
    if "_upload_stale" in st.session_state:  # nothing was saved; what is shown below is the new preview
        base, current = st.session_state.pop("_upload_stale")
        st.error(t("i.stale", lang, base=base, current=current))

    st.subheader(t("upload.step_read", lang))
    read = plan.read
    st.write(plain(read.described(lang)))

    st.subheader(t("upload.step_problems", lang))
    problems = plan.problems
    if problems.empty:
        st.success(t("upload.no_problems", lang))
    else:
        errors = int((problems["severity"] == "error").sum())
        (st.error if errors else st.warning)(t("upload.problem_counts", lang, errors=errors, warnings=len(problems) - errors))
        shown = problems_table(problems, lang)
        st.dataframe(shown, hide_index=True, width="stretch")
        st.download_button(t("upload.download_problems", lang), table_csv_bytes(shown),
                           file_name=f"problems-{upload.name.rsplit('.', 1)[0]}.csv", mime="text/csv")
    if not plan.blocking.empty:
        st.info(t("upload.blocked", lang))
        if plan.invalid_rows:  # the other rows could be imported on their own: offer it, with the counts
            st.button(t("upload.skip_invalid", lang, count=len(plan.invalid_rows), valid=plan.valid_rows),
                      key="upload_skip_invalid", on_click=_set_rows_aside, args=(digest,))
        st.stop()
    if plan.set_aside:
        st.warning(t("upload.set_aside", lang, count=len(plan.set_aside)))
        fix = set_aside_file(plan)
        columns = st.columns(2)
        columns[0].download_button(t("upload.download_set_aside", lang, count=len(plan.set_aside)), fix.data,
                                   file_name=fix.name, mime=fix.mime, key="upload_set_aside_file")
        columns[1].button(t("upload.check_every_row", lang), key="upload_keep_every_row", on_click=_set_rows_aside,
                          args=(None,))

    st.subheader(t("upload.step_preview", lang))
    if plan.changes.empty:
        st.info(t("i.nothing", lang))
        st.stop()
    st.write(t("upload.preview_counts", lang, count=plan.count("added"), changed=plan.count("changed"),
               removed=plan.count("removed"), version=plan.base_version))
    if plan.count("removed"):
        st.warning(t("upload.removed_warning", lang, count=plan.count("removed")))
    names = names_by_id(plan.content, view.registry.initiatives)
    st.dataframe(diff_table(plan.changes, names, lang), hide_index=True, width="stretch")

    st.subheader(t("upload.step_confirm", lang))
    if store.read_only:
        st.error(t("store.read_only", lang, path=plain(store.location)))
    else:
        st.button(t("upload.confirm", lang), type="primary", key="upload_confirm", on_click=confirm,
                  args=(plan, store, account, view.derivation))


if __name__ == "__main__":  # run on its own by Streamlit's legacy pages/ mode: hand over to the router
    leave_legacy_pages_mode()
