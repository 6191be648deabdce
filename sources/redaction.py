"""Secrets (API keys, webhook URLs, passwords in URLs) kept out of our error messages and log lines."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

import requests

_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+(?::[^/\s@]*)?@")


def register_secret(value: str | None) -> None:
    """Remember a secret (an API key, a password) so that `redact` and our log lines never show it."""
    if value and len(value) >= 4:  # shorter strings would blank out ordinary words
        with _SECRETS_LOCK:
            _SECRETS.add(value)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the given secrets, the registered ones, or passwords written in URLs (user:pw@host)."""
    text = _USERINFO.sub(r"\1***@", str(text))
    with _SECRETS_LOCK:
        known = set(_SECRETS)
    for secret in sorted(known.union(s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def url_without_secrets(url: str) -> str:
    """Scheme and host only: a webhook's path and query are its credentials."""
    parts = urlsplit(url)
    return (
        f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/***"
        if parts.scheme
        else "***"
    )


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


REDACTING_FILTER = _RedactingFilter()


def failure_reason(exc: BaseException, secrets: Iterable[str | None] = ()) -> str:
    """Why a sender failed, in one line an operator can act on, without secrets."""
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        reason = f"HTTP {exc.response.status_code} {exc.response.reason} from {exc.response.url}"
    else:
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return redact(reason, secrets)
