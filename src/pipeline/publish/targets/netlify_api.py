"""Netlify's HTTP API for the netlify target: one session, retries with back-off, errors that never show the token.

Only this module imports `requests`. What it does with an answer:

    2xx                      the parsed JSON (None for an empty body)
    429                      wait until X-RateLimit-Reset (capped), then try again
    5xx, no answer, timeout  wait retry_base * 2**(try - 1), then try again (at most `retries` tries in all)
    401, 403                 TargetConfigError at once: the token was refused
    anything else            NetlifyError (a PublishError) at once, with Netlify's `message`
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from pipeline import __version__
from pipeline.publish.targets.base import PublishError, TargetConfigError

TOKEN_HELP = "https://app.netlify.com/user/applications#personal-access-tokens"
_NO_ANSWER = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class NetlifyError(PublishError):
    """Netlify answered a request with an error (or did not answer); `status` is None when there was no answer."""

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: `tries` in all, back-off from `base` seconds, at most `max_rate_wait` seconds for a rate limit."""

    tries: int = 5
    base: float = 1.0
    max_rate_wait: float = 60.0
    timeout: float = 30.0


class _Bearer(AuthBase):
    """Sends the token as `Authorization: Bearer …` (set as auth, so a ~/.netrc entry never replaces it); its repr hides it."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_Bearer(<hidden>)"


class NetlifyClient:
    """Calls `api_url` + path with the token from $`token_env`; thread-safe enough for parallel uploads."""

    def __init__(self, api_url: str, token: str, token_env: str, policy: RetryPolicy, pool: int = 10) -> None:
        self.api_url = api_url.rstrip("/")
        self.token_env = token_env
        self.policy = policy
        self._token = token
        self._session = requests.Session()
        self._session.auth = _Bearer(token)
        self._session.headers["User-Agent"] = f"pipeline/{__version__}"
        self._session.headers["Accept"] = "application/json"
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(pool, 10))
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __repr__(self) -> str:
        return f"NetlifyClient({self.api_url!r}, token from ${self.token_env})"

    def call(self, method: str, path: str, *, json: Any = None, data: bytes | None = None, params: dict[str, Any] | None = None) -> Any:
        """Send one request (retrying what may be retried) and return the answer's JSON, or raise."""
        headers = {"Content-Type": "application/octet-stream"} if data is not None else None
        response = self._send(method, path, json=json, data=data, params=params, headers=headers)
        if response.status_code in (401, 403):
            raise TargetConfigError(
                f"{method} {path}: the token in ${self.token_env} was refused ({response.status_code}: {self._message(response)}); "
                f"create a personal access token at {TOKEN_HELP} and set it in ${self.token_env}"
            )
        if not response.ok:
            raise NetlifyError(f"{method} {path}: Netlify answered {response.status_code}: {self._message(response)}", response.status_code)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise NetlifyError(f"{method} {path}: Netlify's answer ({response.status_code}) is not JSON", response.status_code) from None

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """The one place that retries: rate limits, server errors and lost connections, `policy.tries` tries in all."""
        tries = self.policy.tries
        for attempt in range(1, tries + 1):
            try:
                response = self._session.request(method, self.api_url + path, timeout=self.policy.timeout, **kwargs)
            except _NO_ANSWER as exc:
                if attempt == tries:
                    raise NetlifyError(f"{method} {path}: no answer from Netlify after {tries} tries ({type(exc).__name__})", None) from exc
                time.sleep(self._backoff(attempt))
                continue
            if response.status_code != 429 and response.status_code < 500:
                return response
            if attempt == tries:
                raise NetlifyError(
                    f"{method} {path}: Netlify answered {response.status_code} {tries} times: {self._message(response)}",
                    response.status_code,
                )
            time.sleep(self._rate_wait(response, attempt) if response.status_code == 429 else self._backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        return float(self.policy.base * 2 ** (attempt - 1))

    def _rate_wait(self, response: requests.Response, attempt: int) -> float:
        """Until X-RateLimit-Reset (unix seconds), at most `max_rate_wait`; back off when the header is missing or unreadable."""
        try:
            reset = float(response.headers["X-RateLimit-Reset"])
        except (KeyError, ValueError):
            return min(self._backoff(attempt), self.policy.max_rate_wait)
        return min(max(reset - time.time(), 0.0), self.policy.max_rate_wait)

    def _message(self, response: requests.Response) -> str:
        """Netlify's `message` (or the reason phrase), short, and never the token."""
        try:
            body = response.json()
        except ValueError:
            body = None
        message = body.get("message") if isinstance(body, dict) else None
        text = str(message) if message else (response.reason or "no message")
        return text.replace(self._token, "<token>")[:300] if self._token else text[:300]
