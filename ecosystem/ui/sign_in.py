"""Signing in for the pages that change the registry: accounts from the secrets, or an identity provider."""

from __future__ import annotations

import json
import secrets as secrets_module

import streamlit as st

from ecosystem.auth import Account, AuthConfigError, Authenticator, LoginError, account_from_oidc, load_accounts
from ecosystem.i18n import t
from ecosystem.lockout import StoreAttemptLog
from ecosystem.store import StoreError, database_url
from ecosystem.ui.cache import store
from ecosystem.ui.text import plain

__all__ = ["signed_in_account"]


def _secrets() -> dict:
    """The server's secrets as a plain dict ({} when there is no secrets.toml)."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:
        return {}


@st.cache_resource(show_spinner=False)
def _authenticator(fingerprint: str, url: str, _secrets_dict: dict) -> Authenticator | AuthConfigError:
    """The accounts of the secrets, checked once per account set and database; StoreError when it is unreachable.

    Only the accounts are cached: failed sign-ins and locks are rows of the registry database, which no cache
    clear (Streamlit's ``clear_cache`` message, which any visitor can send) can reset."""
    try:
        return Authenticator(load_accounts(_secrets_dict), attempts=StoreAttemptLog(store(url)))
    except AuthConfigError as exc:
        return exc


def signed_in_account(lang: str, prompt: str = "upload.sign_in_first") -> Account | None:
    """The signed-in account, after a sign-in form (introduced by the ``prompt`` string) if nobody is yet."""
    account = st.session_state.get("account")
    if account is not None:
        st.sidebar.caption(t("auth.signed_in_as", lang, name=plain(account.display_name)))
        if st.sidebar.button(t("auth.sign_out", lang), key="sign_out"):
            del st.session_state["account"]
            st.rerun()
        return account
    secrets = _secrets()
    if secrets.get("auth"):  # Streamlit's OpenID Connect login, configured in [auth] of secrets.toml
        return _oidc_account(secrets, lang)
    if not secrets.get("accounts"):
        st.info(t("upload.no_accounts", lang))
        return None
    try:
        authenticator = _authenticator(json.dumps(secrets.get("accounts"), sort_keys=True, default=str), database_url(),
                                       secrets)
    except StoreError as error:
        st.error(t("auth.store_unavailable", lang, reason=plain(str(error))))
        return None
    if isinstance(authenticator, AuthConfigError):
        st.error(t("upload.accounts_broken", lang, reason=plain("; ".join(authenticator.problems))))
        return None
    st.info(t(prompt, lang))
    with st.form("sign_in"):
        username = st.text_input(t("auth.username", lang), key="sign_in_user")
        password = st.text_input(t("auth.password", lang), type="password", key="sign_in_password")
        submitted = st.form_submit_button(t("auth.sign_in", lang))
    if submitted:
        try:
            st.session_state["account"] = authenticator.login(username, password, client=_client_key())
        except LoginError as error:
            st.error(error.message(lang))
            return None
        except StoreError as error:
            st.error(t("auth.store_unavailable", lang, reason=plain(str(error))))
            return None
        st.rerun()
    return None


def _oidc_account(secrets: dict, lang: str) -> Account | None:
    """The account of a user signed in through the identity provider, mapped by e-mail in [oidc_accounts]."""
    if not st.user.get("is_logged_in", False):
        st.info(t("upload.sign_in_first", lang))
        st.button(t("auth.sign_in", lang), on_click=st.login, key="oidc_sign_in")
        return None
    account = account_from_oidc(st.user.to_dict(), secrets)
    st.sidebar.button(t("auth.sign_out", lang), on_click=st.logout, key="oidc_sign_out")
    if account is None:
        st.error(t("auth.no_account", lang, email=plain(str(st.user.get("email", "")))))
        return None
    st.sidebar.caption(t("auth.signed_in_as", lang, name=plain(account.display_name)))
    return account


def _client_key() -> str:
    """Identifies the browser session for lockout counting."""
    if "client_key" not in st.session_state:
        st.session_state["client_key"] = secrets_module.token_hex(8)
    return st.session_state["client_key"]
