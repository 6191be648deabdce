"""The ministry registry (`registry.toml`) and the API key each ministry is read with."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import dlt

SHARED_KEY = "sources.ministries.api_key"


def load_registry(path: str | Path | None = None) -> list[dict]:
    if path:
        with open(path, "rb") as f:
            return tomllib.load(f)["ministry"]
    with resources.files(__package__).joinpath("registry.toml").open("rb") as f:
        return tomllib.load(f)["ministry"]


def key_secret(ministry: dict) -> str:
    """The secret that holds this ministry's own key (env: the name upper-cased, dots as `__`)."""
    return ministry.get("api_key_secret") or f"sources.ministries.keys.{ministry['code']}"


def _env_name(secret: str) -> str:
    return secret.upper().replace(".", "__")


def api_key_for(ministry: dict, shared_key: str | None) -> str:
    """This ministry's own key; the shared key only if its registry entry says `shared_key = true`."""
    secret = key_secret(ministry)
    own = dlt.secrets.get(secret)
    if own:
        return str(own)
    if ministry.get("shared_key") and shared_key:
        return shared_key
    allowed = f", or the shared {SHARED_KEY}" if ministry.get("shared_key") else ""
    raise PermissionError(
        f"ministry {ministry['code']} has no API key: set {secret} in .dlt/secrets.toml or "
        f"{_env_name(secret)} in the environment{allowed}"
    )


def answered(response, ministry: dict):
    """The response, unless the ministry refused its key (PermissionError naming the secret) or it failed."""
    if response.status_code in (401, 403):
        raise PermissionError(
            f"{response.url} refused the API key of ministry {ministry['code']} "
            f"(HTTP {response.status_code}); set {key_secret(ministry)} in .dlt/secrets.toml or "
            f"{_env_name(key_secret(ministry))}"
            + (f" (or the shared {SHARED_KEY})" if ministry.get("shared_key") else "")
        )
    response.raise_for_status()
    return response
