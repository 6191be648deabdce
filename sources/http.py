"""One HTTP session for every API source: retries with backoff on 429, 5xx and dropped connections."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

DEFAULT_TIMEOUT_S = 30


def retrying_session(retries: int = 5, backoff_s: float = 0.5, headers: dict | None = None) -> requests.Session:
    retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff_s,
                  status_forcelist=(429, 500, 502, 503, 504), allowed_methods=("GET",),
                  respect_retry_after_header=True)
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({"User-Agent": "csdl-khcn-ingest/0.1", **(headers or {})})
    return session
