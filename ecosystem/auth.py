"""Who may sign in and what each account may change: accounts, password sign-in, lockout, permissions.

Accounts come from the app's secrets (``[accounts.<username>]`` with an argon2id ``password_hash``, a
``role`` and the ``partner`` organisation), or from Streamlit's OIDC login mapped by e-mail address
(``[oidc_accounts."<email>"]``). The module never imports Streamlit: the app passes ``st.secrets`` and
``st.user`` in as plain mappings. Failed sign-ins and lockouts are kept in an ``AttemptLog`` — the registry
database (``ecosystem.lockout``) — never in the server's memory or caches: they outlive a restart or a cache
clear and hold for every process on the database. Errors a person reads carry a message key (``message(lang)``);
configuration errors are for the operator and name the account and field, never a hash.
"""

from __future__ import annotations

import argparse
import getpass
import json
import math
import re
import secrets as token_source
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol, TypeVar

import pandas as pd
from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

from ecosystem.i18n import t
from ecosystem.schema import PROBLEM_COLUMNS, id_key, spreadsheet_row

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "Account",
    "AuthConfigError",
    "AttemptKey",
    "AttemptLog",
    "Attempts",
    "AuthError",
    "Authenticator",
    "LoginError",
    "WeakPasswordError",
    "account_from_oidc",
    "add_auth_commands",
    "can_rollback",
    "hash_password",
    "load_accounts",
    "rows_outside_partner",
]

Role = Literal["partner", "admin"]
_Result = TypeVar("_Result")
ROLES: tuple[str, ...] = ("partner", "admin")
MIN_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_MAX_USERNAME = 64
_PASSWORD_FIELDS = ("password_hash", "role", "partner", "display_name")
_OIDC_FIELDS = ("role", "partner", "display_name")


class AuthConfigError(ValueError):
    """The accounts in the secrets are malformed: ``problems`` lists each one as ``section.name: what``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Account configuration problems:\n" + "\n".join(f"- {problem}" for problem in problems))


class AuthError(Exception):
    """A refusal a person reads: ``message(lang)`` in their language, ``str()`` in English."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        super().__init__(t(key, "en", **values))

    def message(self, lang: str) -> str:
        """The message in ``lang``."""
        return t(self.key, lang, **self.values)


class LoginError(AuthError):
    """Sign-in refused; ``retry_after`` is the seconds until a locked account may try again."""

    def __init__(self, key: str, *, retry_after: float | None = None, **values: object) -> None:
        self.retry_after = retry_after
        super().__init__(key, **values)


class WeakPasswordError(AuthError, ValueError):
    """A new password is too weak to be hashed into an account."""


@dataclass(frozen=True)
class Account:
    """A person who can sign in: role, partner organisation (as in the registry) and how they are shown."""

    username: str
    role: Role
    partner: str | None = None
    display_name: str = ""
    password_hash: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"field “role” must be “partner” or “admin”, not “{self.role}”")
        if self.role == "partner" and not self.partner:
            raise ValueError("field “partner” is required for role “partner”: the organisation's name "
                             "exactly as in the registry's partner column")
        if not self.display_name:
            object.__setattr__(self, "display_name", self.username)


# --- reading accounts from the secrets -----------------------------------------------------------

def _section(secrets: Mapping, name: str) -> Mapping:
    """A table of the secrets (empty when absent), refusing anything that is not a table."""
    section = secrets.get(name, {})
    if not isinstance(section, Mapping):
        raise AuthConfigError([f"[{name}] must be a table of accounts, e.g. [{name}.<name>]"])
    return section


def _parse_entry(where: str, username: str, entry: object, fields: tuple[str, ...], problems: list[str]) -> Account | None:
    """One account table → Account, or None after adding what is wrong with it to ``problems``."""
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: must be a table with the fields {', '.join(fields)}")
        return None
    found = len(problems)
    for name in sorted(set(entry) - set(fields)):
        problems.append(f"{where}: unknown field “{name}” (expected: {', '.join(fields)})")
    for name in fields:
        if name in entry and not isinstance(entry[name], str):
            problems.append(f"{where}: field “{name}” must be a text in quotes")
    if "role" not in entry:
        problems.append(f"{where}: field “role” is missing (“partner” or “admin”)")
    password_hash = entry.get("password_hash")
    if "password_hash" in fields:
        if password_hash is None:
            problems.append(f"{where}: field “password_hash” is missing; create one with `python -m ecosystem hash-password`")
        elif isinstance(password_hash, str) and not _is_argon2id(password_hash):
            problems.append(f"{where}: field “password_hash” is not an argon2id hash (a PHC string starting with "
                            "“$argon2id$”); create one with `python -m ecosystem hash-password`")
    if len(problems) > found:
        return None
    try:
        return Account(
            username=username,
            role=entry["role"],
            partner=entry.get("partner", "").strip() or None,
            display_name=entry.get("display_name", "").strip(),
            password_hash=password_hash,
        )
    except ValueError as error:
        problems.append(f"{where}: {error}")
        return None


def _is_argon2id(password_hash: str) -> bool:
    """True for a well-formed argon2id PHC string."""
    try:
        return extract_parameters(password_hash).type is Type.ID
    except InvalidHashError:
        return False


def load_accounts(secrets: Mapping) -> dict[str, Account]:
    """The password accounts of ``[accounts.<username>]`` by username; AuthConfigError lists every problem."""
    accounts: dict[str, Account] = {}
    problems: list[str] = []
    for username, entry in _section(secrets, "accounts").items():
        where = f"accounts.{username}"
        if not _USERNAME.fullmatch(username):
            problems.append(f"{where}: a username may contain only lowercase letters a–z, digits, “.”, “_” "
                            "or “-”, starting with a letter or digit (at most 64 characters)")
            continue
        account = _parse_entry(where, username, entry, _PASSWORD_FIELDS, problems)
        if account is not None:
            accounts[username] = account
    if problems:
        raise AuthConfigError(problems)
    return accounts


def account_from_oidc(user_info: Mapping, secrets: Mapping) -> Account | None:
    """The account of a person signed in through OIDC (``st.user``), or None when their e-mail is not admitted.

    ``[oidc_accounts."<email>"]`` gives ``role``, ``partner`` and optionally ``display_name``; addresses
    compare case-insensitively, and an address the provider marks ``email_verified = false`` is never admitted.
    """
    if user_info.get("is_logged_in") is False or user_info.get("email_verified") is False:
        return None
    email = str(user_info.get("email") or "").strip().lower()
    if not email:
        return None
    accounts: dict[str, Account] = {}
    problems: list[str] = []
    for address, entry in _section(secrets, "oidc_accounts").items():
        key = address.strip().lower()
        where = f"oidc_accounts.“{address}”"
        if "@" not in key:
            problems.append(f"{where}: the name must be the e-mail address the identity provider reports")
        elif key in accounts:
            problems.append(f"{where}: the same address is listed twice (addresses ignore upper/lower case)")
        elif (account := _parse_entry(where, key, entry, _OIDC_FIELDS, problems)) is not None:
            accounts[key] = account
    if problems:
        raise AuthConfigError(problems)
    account = accounts.get(email)
    if account is None or account.display_name != email:
        return account
    return replace(account, display_name=str(user_info.get("name") or email))


# --- passwords and sign-in -----------------------------------------------------------------------

def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    """The argon2id PHC hash of a new password (argon2-cffi's recommended parameters unless ``hasher`` is given)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError("auth.password_too_short", minimum=MIN_PASSWORD_LENGTH)
    return (hasher or PasswordHasher()).hash(password)


AttemptKey = tuple[str, str]  # ("user", username) or ("client", browser session key)


@dataclass
class Attempts:
    """Sign-in attempts of one username or client since the last success, and until when they count."""

    count: int = 0
    locked_until: float | None = None
    expires_at: float = 0.0  # the record is forgotten then: the end of the lock, or the lockout period after the last try


class AttemptLog(Protocol):
    """Where sign-in attempts are kept, shared by every process that signs people in (``ecosystem.lockout``)."""

    def update(self, keys: Sequence[AttemptKey], now: float,
               change: Callable[[dict[AttemptKey, Attempts]], _Result]) -> _Result:
        """Run ``change`` on the unexpired records of ``keys`` atomically; keep the records it leaves, forget the rest."""
        ...


class Authenticator:
    """Password sign-in against the accounts, locking a username or client after repeated failures.

    The failures live in ``attempts`` (the registry database, see ``ecosystem.lockout``), so every process on
    that database counts them together; ``clock`` is wall-clock time for the same reason.
    """

    def __init__(
        self,
        accounts: Mapping[str, Account],
        *,
        attempts: AttemptLog,
        max_failures: int = 5,
        lockout_seconds: float = 300.0,
        clock: Callable[[], float] = time.time,
        hasher: PasswordHasher | None = None,
    ) -> None:
        if max_failures < 1 or lockout_seconds <= 0:
            raise ValueError("max_failures must be at least 1 and lockout_seconds positive")
        self._accounts = {account.username: account for account in accounts.values()}
        self._attempts = attempts
        self._max_failures = max_failures
        self._lockout_seconds = lockout_seconds
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        # unknown usernames are checked against this, so a reply takes as long whether or not the name exists
        self._dummy_hash = self._hasher.hash(token_source.token_urlsafe(16))

    def login(self, username: str, password: str, *, client: str | None = None) -> Account:
        """The account for these credentials, or LoginError (the same message for any unknown name or wrong password).

        ``client`` (e.g. the session id) is counted and locked alongside the username. The attempt log's
        errors (e.g. ``StoreUnavailableError``) pass through: without it nobody is let in.
        """
        name = username.strip().lower()[:_MAX_USERNAME + 1]  # longer names match no account; keeps counters small
        keys = [("user", name)] + ([("client", client)] if client else [])
        self._begin_attempt(keys)
        account = self._accounts.get(name)
        stored = account.password_hash if account is not None else None
        verified = self._verify(stored or self._dummy_hash, password)
        if account is None or stored is None or not verified:
            now = self._clock()
            self._attempts.update(keys, now, lambda records: self._lock_reached(records, now))
            raise LoginError("auth.login_failed")
        self._attempts.update(keys, self._clock(), dict.clear)
        return account

    def _verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches the hash; a malformed hash never matches."""
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _begin_attempt(self, keys: list[AttemptKey]) -> None:
        """Count an attempt before checking the password, or refuse it while a key is locked.

        Counting first bounds the guesses that run at the same time to ``max_failures``.
        """
        now = self._clock()
        locked_until = self._attempts.update(keys, now, lambda records: self._count(records, keys, now))
        if locked_until is not None:
            wait = locked_until - now
            raise LoginError("auth.locked", retry_after=wait, minutes=max(1, math.ceil(wait / 60)))

    def _count(self, records: dict[AttemptKey, Attempts], keys: list[AttemptKey], now: float) -> float | None:
        """Inside the log's transaction: the end of a lock on any key, or else count the attempt on every key."""
        found = [records[key] for key in keys if key in records]
        locked_until = max((record.locked_until for record in found if record.locked_until is not None), default=None)
        if locked_until is None and any(record.count >= self._max_failures for record in found):
            locked_until = now + self._lockout_seconds  # the last allowed attempts are still being checked
        if locked_until is not None:
            return locked_until
        for key in keys:
            record = records.setdefault(key, Attempts())
            record.count += 1
            record.expires_at = now + self._lockout_seconds
        return None

    def _lock_reached(self, records: dict[AttemptKey, Attempts], now: float) -> None:
        """Inside the log's transaction: lock every key whose counted attempts reached ``max_failures``."""
        for record in records.values():
            if record.count >= self._max_failures:
                record.locked_until = record.expires_at = now + self._lockout_seconds


# --- permissions ---------------------------------------------------------------------------------

def can_rollback(account: Account) -> bool:
    """Only administrators restore an earlier registry version."""
    return account.role == "admin"


def rows_outside_partner(raw: pd.DataFrame, account: Account, current: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Problems (PROBLEM_COLUMNS) for uploaded rows the account may not change; none for administrators.

    A partner may upload only rows whose ``partner`` cell is their own organisation, and may not claim an
    ``id`` that the current registry holds under another partner — in any letter case (``schema.id_key``).
    """
    if account.role == "admin":
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    own = account.partner
    cells = raw.get("partner", pd.Series("", index=raw.index)).fillna("").astype(str)
    ids = raw.get("id", pd.Series("", index=raw.index)).fillna("").astype(str)
    partners, stripped_ids, keys = cells.str.strip(), ids.str.strip(), id_key(ids)
    stored_ids = current["id"].astype(str).str.strip()
    known = current.assign(_key=id_key(stored_ids), _id=stored_ids).drop_duplicates("_key", keep="last").set_index("_key")
    owners = keys.map(known["partner"].astype(str).str.strip())
    missing = partners == ""
    foreign = ~missing & (partners != own)
    taken = ~missing & ~foreign & owners.notna() & (owners != own)
    problems = []
    for index in raw.index[missing | foreign | taken]:
        row = spreadsheet_row(int(index))
        if missing[index]:
            problems.append((row, "partner", cells[index], "error", t("auth.partner_missing", lang, partner=own)))
        elif foreign[index]:
            problems.append((row, "partner", cells[index], "error", t("auth.row_of_other_partner", lang, owner=partners[index])))
        else:
            stored = known.at[keys[index], "_id"]
            spelling = t("auth.id_spelled", lang, stored=stored) if stored != stripped_ids[index] else ""
            message = t("auth.id_of_other_partner", lang, value=stripped_ids[index], owner=owners[index], spelling=spelling)
            problems.append((row, "id", ids[index], "error", message))
    return pd.DataFrame(problems, columns=PROBLEM_COLUMNS)


# --- command line --------------------------------------------------------------------------------

def _read_new_password() -> str:
    """The new password: typed twice at a terminal, or the first line of stdin when scripted."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("New password: ")
    if getpass.getpass("Repeat the password: ") != password:
        raise ValueError("The two passwords differ; nothing was hashed.")
    return password


def _toml_key(name: str) -> str:
    """A TOML key for a username: bare when possible, quoted when it holds a dot."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def _run_hash_password(args: argparse.Namespace) -> int:
    """``hash-password``: read a new password, print its hash and a secrets.toml snippet; return the exit code."""
    if args.username is not None and not _USERNAME.fullmatch(args.username):
        print("error: a username may contain only lowercase letters a–z, digits, “.”, “_” or “-”.", file=sys.stderr)
        return 2
    try:
        password_hash = hash_password(_read_new_password())
    except (ValueError, EOFError) as error:
        print(f"error: {str(error) or 'no password was given.'}", file=sys.stderr)
        return 1
    lines = [
        password_hash,
        "",
        "# paste into .streamlit/secrets.toml (never commit that file)",
        f"[accounts.{_toml_key(args.username or 'USERNAME')}]",
        f"password_hash = {json.dumps(password_hash)}",
        f"role = {json.dumps(args.role)}",
    ]
    if args.partner:
        lines.append(f"partner = {json.dumps(args.partner, ensure_ascii=False)}")
    elif args.role == "partner":
        lines.append('# partner = "…"  # required: the organisation exactly as in the registry\'s partner column')
    if args.username is None:
        lines.append("# replace USERNAME with the person's username (lowercase letters, digits, . _ -)")
    print("\n".join(lines))
    return 0


def add_auth_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``hash-password``; the handler ``args.handler(args)`` returns an exit code."""
    command = subparsers.add_parser(
        "hash-password",
        help="hash a new account password for .streamlit/secrets.toml",
        description="Read a new password (typed twice, or one line from stdin when piped) and print its argon2id "
                    f"hash and a ready-to-paste [accounts.<username>] table. Passwords need {MIN_PASSWORD_LENGTH}+ characters.",
    )
    command.add_argument("--username", help="the account's username, used in the printed table")
    command.add_argument("--role", choices=ROLES, default="partner", help="role of the account (default: %(default)s)")
    command.add_argument("--partner", help="the partner organisation exactly as in the registry's partner column")
    command.set_defaults(handler=_run_hash_password)
