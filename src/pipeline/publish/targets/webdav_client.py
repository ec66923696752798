"""A WebDAV server over HTTP for the webdav target: its settings from site.yaml, one session with retries, and the requests a deploy is made of."""

from __future__ import annotations

import json
import os
import threading
import time
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

import requests
from requests.adapters import HTTPAdapter

from pipeline.errors import PipelineError
from pipeline.publish import locks
from pipeline.publish.targets.base import PublishError, TargetConfigError, credential_problem, secret_problem

OPTIONS = ("url", "public_url", "username_env", "password_env", "timeout", "retries", "retry_base", "concurrency", "keep", "token_hosts")
PROPFIND_TYPE = b'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>'
PROPFIND_LOCKS = b'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>'
XML_HEADERS = {"Content-Type": 'application/xml; charset="utf-8"'}


@dataclass(frozen=True, slots=True)
class Settings:
    """The target's options from site.yaml, checked."""

    url: str  # the live collection, percent-encoded, ending in "/"
    username_env: str = "WEBDAV_USERNAME"
    password_env: str = "WEBDAV_PASSWORD"
    timeout: float = 30.0
    retries: int = 3  # extra attempts after a 5xx answer or a connection error
    retry_base: float = 0.5  # seconds before the first retry; doubled for each next one
    concurrency: int = 4
    keep: int = 5  # earlier deploys (and drafts) kept
    token_hosts: tuple[str, ...] = ()  # the hosts the password may be sent to over https (this machine always)
    public_url: str = ""  # where readers see the live site, when not at `url` (e.g. https://blog.example.org/)


class Dav:
    """One HTTP session with timeouts and retries; its errors name the method, path and status, never the credentials."""

    def __init__(self, name: str, settings: Settings, auth: tuple[str, str] | None) -> None:
        self.name = name
        self.settings = settings
        self.session = requests.Session()
        self.session.auth = auth
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=settings.concurrency + 1)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.index_aside = False  # learned from a 405: the server maps a collection's URI to its index.html (webdav_switch)

    def __repr__(self) -> str:
        return f"Dav(target={self.name!r})"

    def send(
        self,
        method: str,
        url: str,
        *,
        ok: tuple[int, ...] = (200, 201, 204),
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
        retry: bool = True,
    ) -> requests.Response:
        """Send one request; retry 5xx answers and connection errors (if `retry`); raise unless the status is in `ok`."""
        attempts = 1 + (self.settings.retries if retry else 0)
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.settings.retry_base * 2 ** (attempt - 1))
            last = attempt + 1 == attempts
            try:
                response = self.session.request(
                    method, url, headers=headers, data=data, timeout=self.settings.timeout, allow_redirects=False
                )
            except requests.RequestException as exc:
                if last:
                    tried = f", tried {attempts} times" if attempts > 1 else ""
                    server = urlsplit(url).netloc
                    raise PublishError(
                        f"{method} {shown(url)}: cannot reach the WebDAV server at {server} ({type(exc).__name__}{tried})"
                    ) from None
                continue
            if response.status_code in ok:
                return response
            if not last and response.status_code >= 500 and response.status_code not in (501, 507):
                continue
            raise self._refused(method, url, response)
        raise AssertionError("unreachable")

    def _refused(self, method: str, url: str, response: requests.Response) -> PipelineError:
        where, status = f"{method} {shown(url)}", f"{response.status_code} {response.reason}"
        if response.status_code == 401:
            names = f"${self.settings.username_env} and ${self.settings.password_env}"
            said = f"refused the credentials from {names}" if self.session.auth else f"asks for credentials: set {names}"
            return TargetConfigError(f"target {self.name}: {where}: the WebDAV server {said} ({status})")
        if response.status_code == 403:
            return PublishError(
                f"target {self.name}: {where}: the WebDAV server forbids it ({status}); the account needs write access there"
            )
        return PublishError(f"target {self.name}: {where} failed: {status}")


class LockUnsupported(PublishError):
    """The server has no WebDAV LOCK (stock nginx answers 405): the publish lock is a resource instead."""


def read_settings(name: str, options: Mapping[str, Any]) -> Settings:
    unknown = sorted(set(options) - set(OPTIONS) - {"type"})
    if unknown:
        raise TargetConfigError(f"target {name}: unknown option(s) {', '.join(unknown)}; the webdav target takes {', '.join(OPTIONS)}")
    defaults = Settings("")
    names = {key: options.get(key, getattr(defaults, key)) for key in ("username_env", "password_env")}
    for key, value in names.items():
        if not isinstance(value, str) or not value:
            raise TargetConfigError(f"target {name}: `{key}` must name an environment variable")
    return Settings(
        url=_live_url(name, options.get("url")),
        timeout=_number(name, options, "timeout", defaults.timeout, float, 0, above=True),
        retries=_number(name, options, "retries", defaults.retries, int, 0),
        retry_base=_number(name, options, "retry_base", defaults.retry_base, float, 0),
        concurrency=_number(name, options, "concurrency", defaults.concurrency, int, 1),
        keep=_number(name, options, "keep", defaults.keep, int, 1),
        token_hosts=_hosts(name, options.get("token_hosts", [])),
        public_url=_public_url(name, options.get("public_url")),
        **names,
    )


def _hosts(name: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise TargetConfigError(f"target {name}: `token_hosts` must be a list of host names")
    return tuple(item.strip() for item in value)


def _public_url(name: str, url: object) -> str:
    """The readers' address of the live site, as given (an http(s) URL), or "" when they use `url` itself."""
    if url is None:
        return ""
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise TargetConfigError(f"target {name}: `public_url` must be an http:// or https:// address without credentials")
    return str(url)


def _live_url(name: str, url: object) -> str:
    """`url` checked and with each path segment percent-encoded once (NFC), whether it came encoded or not."""
    if not isinstance(url, str) or not url:
        raise TargetConfigError(f"target {name}: `url` is required: the WebDAV collection readers are served from, ending in /")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise TargetConfigError(f"target {name}: `url` is not a well-formed URL (it is not shown: it may hold a password)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetConfigError(f"target {name}: `url` must be an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise TargetConfigError(
            f"target {name}: `url` must not carry credentials; put them in the environment variables username_env and password_env name"
        )
    if parts.query or parts.fragment or not parts.path.endswith("/"):
        raise TargetConfigError(f"target {name}: `url` must be a collection ending in / (no query or fragment), not {url!r}")
    segments = parts.path.strip("/").split("/")
    if segments == [""] or any(segment in (".", "..") for segment in segments):
        raise TargetConfigError(
            f"target {name}: `url` must be a collection below the server's root, so its staging and deploys can sit beside it"
        )
    path = "/".join(quote(unicodedata.normalize("NFC", unquote(segment)), safe="") for segment in segments)
    return f"{parts.scheme}://{parts.netloc}/{path}/"


def _number(name: str, options: Mapping[str, Any], key: str, default: Any, kind: type, least: float, above: bool = False) -> Any:
    value = options.get(key, default)
    kinds = (int, float) if kind is float else (int,)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < least or (above and value == least):
        bound = f"more than {least}" if above else f"at least {least}"
        raise TargetConfigError(
            f"target {name}: `{key}` must be {'a number' if kind is float else 'a whole number'} {bound}, not {value!r}"
        )
    return kind(value)


def credentials(name: str, settings: Settings) -> tuple[str, str] | None:
    username, password = os.environ.get(settings.username_env, ""), os.environ.get(settings.password_env)
    if not username:
        if password:
            raise TargetConfigError(f"target {name}: ${settings.password_env} is set but ${settings.username_env} is not")
        return None
    problem = (
        secret_problem(username, settings.username_env)
        or secret_problem(password or "", settings.password_env)
        or credential_problem(settings.url, settings.token_hosts, "the password")
    )
    if problem:
        raise TargetConfigError(f"target {name}: {problem}")
    return username, password or ""


def join(base: str, path: str) -> str:
    """`base` joined with `path` ("he/a b.html", or "dir/" for a collection), each segment NFC and percent-encoded."""
    return base + "/".join(quote(unicodedata.normalize("NFC", segment), safe="") for segment in path.split("/"))


def shown(url: str) -> str:
    return unquote(urlsplit(url).path)


def last(url: str) -> str:
    return unquote(url.rstrip("/").rsplit("/", 1)[-1])


def mkcol(dav: Dav, url: str) -> None:
    dav.send("MKCOL", url, ok=(201, 405))


def parse_xml(response: requests.Response) -> ET.Element:
    try:
        return ET.fromstring(response.content)
    except ET.ParseError:
        raise PublishError(f"{response.request.method} {shown(response.url)}: the WebDAV server answered with malformed XML") from None


@contextmanager
def exclusive_lock(dav: Dav, url: str, holder: str, seconds: int) -> Iterator[list[str]]:
    """An exclusive WebDAV LOCK on `url` for the block, refreshed halfway through the timeout the server grants; yields notes.

    Raises LockUnsupported when the server has no LOCK method.
    """
    owner = json.dumps({**locks.holder_description(), "what": holder}, ensure_ascii=False)
    body = (
        '<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>'
        f"<D:locktype><D:write/></D:locktype><D:owner>{escape(owner)}</D:owner></D:lockinfo>"
    ).encode()
    headers = {**XML_HEADERS, "Depth": "0", "Timeout": f"Second-{seconds}"}
    notes: list[str] = []
    response = dav.send("LOCK", url, headers=headers, data=body, ok=(200, 201, 405, 423, 501), retry=False)
    if response.status_code in (405, 501):
        raise LockUnsupported(f"LOCK {shown(url)}: {response.status_code} {response.reason}")
    if response.status_code == 423:
        who, stale_token = _lock_holder(dav, url)
        if stale_token is None:
            raise PublishError(f"target {dav.name} is locked by another publish: {who}; wait for it to finish")
        dav.send("UNLOCK", url, headers={"Lock-Token": f"<{stale_token}>"}, ok=(200, 204))
        notes.append(f"took over a stale lock left by {who}: that process is no longer running")
        response = dav.send("LOCK", url, headers=headers, data=body, ok=(200, 201), retry=False)
    token = response.headers.get("Lock-Token", "").strip().strip("<>")
    if not token:
        raise PublishError(f"LOCK {shown(url)}: the WebDAV server granted no lock token")
    granted = _granted(response, seconds)
    with suppress(PipelineError):  # who holds it, for a server that keeps no lock owner (nginx): in the resource itself
        dav.send("PUT", url, headers={"If": f"(<{token}>)"}, data=owner.encode("utf-8"))
    stop = threading.Event()
    refresher = threading.Thread(target=_keep_locked, args=(dav, url, token, stop, seconds, granted), daemon=True)
    refresher.start()
    try:
        yield notes
    finally:
        stop.set()
        refresher.join()
        with suppress(PipelineError):  # an unreleased lock expires by itself when its timeout ends
            dav.send("UNLOCK", url, headers={"Lock-Token": f"<{token}>"}, ok=(200, 204))


def _lock_holder(dav: Dav, url: str) -> tuple[str, str | None]:
    """Who holds the lock, and its token when the holder ran on this machine and is gone (a stale lock)."""
    found = active_lock(dav, url)
    if found is None:
        return "an unknown holder", None
    described, token, who = found
    stale = bool(token and who and who.get("host")) and locks.is_stale(who or {})
    return described, token if stale else None


def active_lock(dav: Dav, url: str) -> tuple[str, str, dict[str, Any] | None] | None:
    """The WebDAV lock on `url` as its lockdiscovery shows it: (holder described, token, holder as written), or None.

    The holder is the lock's owner, or where the server keeps no owner (nginx's dav-ext), what the holder wrote
    into the locked resource."""
    response = dav.send("PROPFIND", url, headers={**XML_HEADERS, "Depth": "0"}, data=PROPFIND_LOCKS, ok=(207, 404, 405, 501))
    if response.status_code != 207:
        return None
    active = parse_xml(response).find(".//{DAV:}activelock")
    if active is None:
        return None
    owner = active.find("{DAV:}owner")
    token_href = active.find("{DAV:}locktoken/{DAV:}href")
    token = (token_href.text or "").strip() if token_href is not None else ""
    text = "".join(owner.itertext()).strip() if owner is not None else ""
    if not text:
        body = dav.send("GET", url, ok=(200, 204, 404))
        text = body.content[:4096].decode("utf-8", "replace").strip() if body.status_code == 200 else ""
    try:
        who = json.loads(text)
    except ValueError:
        return text[:200] or "an unknown holder", token, None
    if not isinstance(who, dict):
        return text[:200], token, None
    return f"{who.get('user', '?')} on {who.get('host', '?')} (process {who.get('pid', '?')}, since {who.get('since', '?')})", token, who


def break_lock(dav: Dav, url: str) -> str | None:
    """UNLOCK whatever WebDAV lock is on `url` (`pipeline unlock`); returns its holder described, or None when there was none."""
    found = active_lock(dav, url)
    if found is None or not found[1]:
        return None
    dav.send("UNLOCK", url, headers={"Lock-Token": f"<{found[1]}>"}, ok=(200, 204))
    return found[0]


def _granted(response: requests.Response, asked: int) -> float:
    """The timeout the server granted (nginx grants at most 60 s whatever is asked), from the lock's `timeout` or the header."""
    text = ""
    with suppress(ET.ParseError):
        text = ET.fromstring(response.content).findtext(".//{DAV:}activelock/{DAV:}timeout") or ""
    for value in (text, response.headers.get("Timeout", "")):
        value = value.strip()
        if value.lower().startswith("second-") and value[7:].isdigit():
            return max(1.0, min(float(asked), float(value[7:])))
    return float(asked)


def _keep_locked(dav: Dav, url: str, token: str, stop: threading.Event, seconds: int, granted: float) -> None:
    """Refresh the lock halfway through each granted timeout, so a long publish keeps it."""
    while not stop.wait(granted / 2):
        with suppress(PipelineError):
            dav.send("LOCK", url, headers={"If": f"(<{token}>)", "Timeout": f"Second-{seconds}"}, ok=(200,))
