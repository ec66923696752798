"""An in-memory Netlify API on loopback whose every request and answer is checked against Netlify's own definition.

The server models one site and its file-digest deploys. Each request is first validated with openapi-core
against `shared/netlify/openapi3-2.60.0.json`: one the definition rejects is recorded in `violations` and
answered 400 (a missing token: 401); each answer is validated too, so the model stays honest. The test
fixture fails a test that leaves any violation. What the definition cannot express is modelled by hand:

    createSiteDeploy {files: {"/path": sha1}, draft, async}
      │ sync                                async
      ▼                                     ▼
    uploading (required = digests       new ──getDeploy──► preparing ──getDeploy──► prepared (required now final)
      │        the site lacks)                                                         │
      ├──── uploadDeployFile for each required digest (SHA-1 checked) ◄────────────────┘
      ▼
    uploaded ──getDeploy──► processing ──getDeploy──► ready: the site's published deploy (unless a draft)
                                                 ├──► error (when the test set next_deploy_error)
                                                 └──► processing for ever (while the test sets `stalled`)
    cancelSiteDeploy before ready ──► error ("Canceled build"); restore / rollback switch the published deploy

Faults are queued by the test (`inject`) and used once each, first match first: an error status (429 with
X-RateLimit-Reset, 5xx, 422…), a slow answer, a connection reset (closed without an answer), a lost answer
(the model handles the request, then the connection is reset), or a corrupted body (a byte flipped on the way, so
an upload fails the model's SHA-1 check with its own 422).
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import re
import socket
import struct
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.security.exceptions import SecurityProviderError
from openapi_core.security.factories import SecurityProviderFactory
from openapi_core.security.providers import BaseProvider
from openapi_core.validation.request.exceptions import MissingRequiredRequestBody, SecurityValidationError
from werkzeug.datastructures import Headers, ImmutableMultiDict

DEFINITION = Path(__file__).resolve().parent / "contracts" / "netlify" / "openapi3-2.60.0.json"
SHARED_DEFINITION = Path(__file__).resolve().parents[2] / "shared" / "netlify" / "openapi3-2.60.0.json"  # the team's copy
ROUTES = [  # (method, path below the base path as the definition writes it, model method)
    ("GET", "/sites/{site_id}", "get_site"),
    ("GET", "/sites/{site_id}/files", "list_site_files"),
    ("GET", "/sites/{site_id}/deploys", "list_site_deploys"),
    ("POST", "/sites/{site_id}/deploys", "create_site_deploy"),
    ("POST", "/sites/{site_id}/deploys/{deploy_id}/restore", "restore_site_deploy"),
    ("PUT", "/sites/{site_id}/rollback", "rollback_site_deploy"),
    ("GET", "/deploys/{deploy_id}", "get_deploy"),
    ("POST", "/deploys/{deploy_id}/cancel", "cancel_site_deploy"),
    ("PUT", "/deploys/{deploy_id}/files/{path}", "upload_deploy_file"),
]
_SHA1 = re.compile(r"[0-9a-f]{40}")


class _BearerProvider(BaseProvider):
    """The definition's `netlifyAuth` is OAuth 2, which openapi-core cannot check; its token arrives as a Bearer header."""

    def __call__(self, parameters: RequestParameters) -> Any:
        kind, _, token = str(parameters.header.get("Authorization", "")).partition(" ")
        if kind.lower() != "bearer" or not token:
            raise SecurityProviderError("no `Authorization: Bearer <token>` header")
        return token


def _security() -> SecurityProviderFactory:
    """openapi-core's security checks, with `oauth2` checked as a Bearer token (openapi-core only warns on OAuth 2)."""
    factory = SecurityProviderFactory()
    factory.PROVIDERS = {**factory.PROVIDERS, "oauth2": _BearerProvider}
    return factory


@functools.cache
def load_definition(path: Path = DEFINITION) -> OpenAPI:
    """Netlify's definition, checked once per test run (about a second)."""
    return OpenAPI.from_file_path(str(path), config=Config(security_provider_factory=_security()))


@dataclass(frozen=True)
class Fault:
    """Answer the next `method` request whose path below /api/v1 matches `pattern` (fnmatch) like this, once."""

    method: str
    pattern: str
    status: int = 0  # answer with this status and a Netlify-style {"code", "message"} body
    message: str = "injected fault"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # sleep this long first (with status 0, then answer normally)
    reset: bool = False  # close the connection without answering
    # Added for tests/test_faulted_publish.py:
    lost: bool = False  # handle the request (the model changes), then close the connection without answering
    corrupt: bool = False  # flip the body's first byte before the model sees it (an upload then fails its SHA-1 check)


@dataclass(frozen=True)
class Seen:
    """One request as it arrived: method, path below /api/v1 (decoded), the raw request path, when, the status sent (0: none)."""

    method: str
    path: str
    raw: str
    at: float
    status: int
    agent: str


@dataclass
class ModelDeploy:
    id: str
    files: dict[str, str]  # "/path" -> sha1, as declared
    draft: bool
    state: str
    required: set[str]
    created_at: str
    error_message: str = ""
    published_at: str = ""


@dataclass
class _Call:
    """openapi-core's Request protocol; `path_pattern` because our router, not openapi-core, matched the path."""

    method: str
    path: str
    path_pattern: str
    parameters: RequestParameters
    body: bytes
    content_type: str
    host_url: str  # the definition's server, which openapi-core matches; we serve its path on loopback


@dataclass
class _Answer:
    """openapi-core's Response protocol."""

    status_code: int
    data: bytes
    content_type: str
    headers: Headers = field(default_factory=Headers)


def _route(method: str, below_base: str) -> tuple[str, str, dict[str, str]] | None:
    """(template, model method, raw path parameters) of the route, or None. `{path}` may hold '/', the others not."""
    for route_method, template, handler in ROUTES:
        pattern = re.sub(r"\{(\w+)\}", lambda m: f"(?P<{m[1]}>{'.+' if m[1] == 'path' else '[^/]+'})", template)
        match = re.fullmatch(pattern, below_base)
        if match and route_method == method:
            return template, handler, match.groupdict()
    return None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class NetlifyServer(ThreadingHTTPServer):
    """The API at `url`; the test reads `violations`, `seen`, `uploads`, `cancelled`, `published` and `deploys`."""

    daemon_threads = True

    def __init__(self, openapi: OpenAPI, token: str, site_id: str = "3f0c5e1a-site", site_name: str = "kindness-blog") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.openapi, self.token, self.site_id, self.site_name = openapi, token, site_id, site_name
        server = urlsplit(str(next(iter(openapi.spec / "servers"))["url"]))  # https://api.netlify.com/api/v1
        self.host, self.base = f"{server.scheme}://{server.netloc}", server.path.rstrip("/")
        self.lock = threading.Lock()  # the model
        self.checking = threading.Lock()  # openapi-core, one validation at a time
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self.uploads: list[tuple[str, str]] = []  # (deploy id, "/path") of each accepted upload
        self.cancelled: list[str] = []
        self.blobs: dict[str, bytes] = {}  # the site's files by digest, kept across deploys (Netlify keeps them)
        self.deploys: list[ModelDeploy] = []  # oldest first
        self.published: str | None = None
        self.next_deploy_error: str | None = None  # the next deploy to finish processing ends in `error` with this
        self.stalled = False  # while True, deploys stay `processing` (a deploy that never gets ready)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{self.base}"

    def inject(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fnmatch.fnmatchcase(path, fault.pattern):
                    self.faults.remove(fault)
                    return fault
        return None

    def uploaded(self, deploy_id: str | None = None) -> list[str]:
        """The paths accepted for `deploy_id` (default: the newest deploy), sorted."""
        wanted = deploy_id or self.deploys[-1].id
        return sorted(path for deploy, path in self.uploads if deploy == wanted)

    def dispatch(self, handler: str, arguments: dict[str, Any]) -> tuple[int, Any]:
        """Run one model method with the deploy it names; 404 for another site (Netlify takes its id or name) or deploy."""
        with self.lock:
            if arguments.pop("site_id", self.site_id) not in (self.site_id, self.site_name):
                return _error(404, "Not Found")
            if "deploy_id" in arguments:
                arguments["deploy"] = self._deploy(arguments.pop("deploy_id"))
                if arguments["deploy"] is None:
                    return _error(404, "Not Found")
            result: tuple[int, Any] = getattr(self, handler)(**arguments)
            return result

    # The model: each method returns (status, JSON body or None). Behaviour the definition cannot express.

    def get_site(self) -> tuple[int, Any]:
        site: dict[str, Any] = {
            "id": self.site_id,
            "name": self.site_name,
            "url": f"http://{self.site_name}.netlify.app",
            "ssl_url": f"https://{self.site_name}.netlify.app",
            "admin_url": f"https://app.netlify.com/sites/{self.site_name}",
        }
        if self.published:
            site["published_deploy"] = self._json(self._deploy(self.published))
        return 200, site

    def list_site_files(self) -> tuple[int, Any]:
        live = self._deploy(self.published)
        files = live.files if live else {}
        return 200, [
            {"id": path, "path": path, "sha": sha, "mime_type": "application/octet-stream", "size": len(self.blobs[sha])}
            for path, sha in sorted(files.items())
        ]

    def list_site_deploys(self, page: str = "1", per_page: str = "100") -> tuple[int, Any]:
        first = (int(page) - 1) * int(per_page)
        newest_first = list(reversed(self.deploys))[first : first + int(per_page)]
        return 200, [self._json(deploy) for deploy in newest_first]

    def create_site_deploy(self, body: bytes) -> tuple[int, Any]:
        request = json.loads(body or b"{}")  # already checked against the definition
        files = request.get("files") or {}
        for path, sha in files.items():  # the definition says only "object": the README says "/path" -> SHA-1, paths in NFC
            if not (path.startswith("/") and unicodedata.is_normalized("NFC", path) and isinstance(sha, str) and _SHA1.fullmatch(sha)):
                self.violations.append(f"createSiteDeploy: files entry {path!r}: {sha!r} is not '/path in NFC' -> lowercase SHA-1")
                return _error(422, f"invalid files entry {path!r}")
        deploy = ModelDeploy(f"{len(self.deploys) + 1:024x}", dict(files), bool(request.get("draft")), "new", set(), _now())
        if not request.get("async"):
            deploy.required = self._missing(deploy)
            deploy.state = "uploading" if deploy.required else "uploaded"
        self.deploys.append(deploy)
        return 200, self._json(deploy)

    def get_deploy(self, deploy: ModelDeploy) -> tuple[int, Any]:
        self._advance(deploy)
        return 200, self._json(deploy)

    def upload_deploy_file(self, deploy: ModelDeploy, path: str, data: bytes) -> tuple[int, Any]:
        if deploy.state in ("new", "preparing"):
            return _error(422, f"deploy {deploy.id} is still {deploy.state}; poll it until it is prepared")
        if deploy.state not in ("prepared", "uploading", "uploaded"):
            return _error(422, f"deploy {deploy.id} is {deploy.state} and takes no more files")
        declared = deploy.files.get(path)
        if declared is None:
            return _error(422, f"{path} is not a file of deploy {deploy.id}")
        if hashlib.sha1(data).hexdigest() != declared:
            return _error(422, f"the SHA-1 of the body sent for {path} is not {declared}, the digest it was declared with")
        self.blobs[declared] = data
        deploy.required.discard(declared)
        deploy.state = "uploading" if deploy.required else "uploaded"
        self.uploads.append((deploy.id, path))
        return 200, {"id": path, "path": path, "sha": declared, "mime_type": "application/octet-stream", "size": len(data)}

    def cancel_site_deploy(self, deploy: ModelDeploy) -> tuple[int, Any]:
        if deploy.state == "ready":
            return _error(422, f"deploy {deploy.id} is ready; there is nothing to cancel")
        if deploy.state != "error":
            deploy.state, deploy.error_message = "error", "Canceled build"
        self.cancelled.append(deploy.id)
        return 201, self._json(deploy)

    def restore_site_deploy(self, deploy: ModelDeploy) -> tuple[int, Any]:
        if deploy.state != "ready":
            return _error(422, f"deploy {deploy.id} is {deploy.state}, not ready")
        self.published = deploy.id
        return 201, self._json(deploy)

    def rollback_site_deploy(self) -> tuple[int, Any]:
        ready = [d.id for d in self.deploys if d.state == "ready" and not d.draft]
        position = ready.index(self.published) if self.published in ready else 0
        if position == 0:
            return _error(422, "there is no earlier deploy to roll back to")
        self.published = ready[position - 1]
        return 204, None

    def _advance(self, deploy: ModelDeploy) -> None:
        """One step of the state machine per look at the deploy (see the module docstring)."""
        if deploy.state == "new":
            deploy.state = "preparing"
        elif deploy.state == "preparing":
            deploy.state, deploy.required = "prepared", self._missing(deploy)
        elif deploy.state in ("prepared", "uploading") and not deploy.required:
            deploy.state = "uploaded"
        elif deploy.state == "uploaded":
            deploy.state = "processing"
        elif deploy.state == "processing" and self.stalled:
            pass
        elif deploy.state == "processing" and self.next_deploy_error:
            deploy.state, deploy.error_message, self.next_deploy_error = "error", self.next_deploy_error, None
        elif deploy.state == "processing":
            deploy.state = "ready"
            if not deploy.draft:
                self.published, deploy.published_at = deploy.id, _now()

    def _missing(self, deploy: ModelDeploy) -> set[str]:
        return {sha for sha in deploy.files.values() if sha not in self.blobs}

    def _deploy(self, deploy_id: str | None) -> ModelDeploy | None:
        return next((d for d in self.deploys if d.id == deploy_id), None)

    def _json(self, deploy: ModelDeploy | None) -> dict[str, Any]:
        assert deploy is not None
        name = self.site_name
        out: dict[str, Any] = {
            "id": deploy.id,
            "site_id": self.site_id,
            "state": deploy.state,
            "name": name,
            "draft": deploy.draft,
            "url": f"http://{name}.netlify.app",
            "ssl_url": f"https://{name}.netlify.app",
            "deploy_url": f"http://{deploy.id}--{name}.netlify.app",
            "deploy_ssl_url": f"https://{deploy.id}--{name}.netlify.app",
            "admin_url": f"https://app.netlify.com/sites/{name}",
            "created_at": deploy.created_at,
            "updated_at": deploy.created_at,
            "required": [] if deploy.state in ("new", "preparing") else sorted(deploy.required),  # not final before `prepared`
            "context": "deploy-preview" if deploy.draft else "production",
        }
        if deploy.error_message:
            out["error_message"] = deploy.error_message
        if deploy.published_at:
            out["published_at"] = deploy.published_at
        return out


def _error(status: int, message: str) -> tuple[int, Any]:
    return status, {"code": status, "message": message}


class _Handler(BaseHTTPRequestHandler):
    """HTTP plumbing: faults, the contract check of the request, the model, the contract check of the answer."""

    server: NetlifyServer

    def do_GET(self) -> None:
        try:
            self._handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout); nothing to answer
        except Exception as exc:  # noqa: BLE001 - a bug in this server: recorded, so the test fails
            self.server.violations.append(f"server error on {self.command} {self.path}: {exc!r}")

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass  # `seen` records the traffic

    def _handle(self) -> None:
        raw, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        below = unquote(raw).removeprefix(self.server.base)
        fault = self.server.take_fault(self.command, below)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return self._record(below, raw, 0)
        if fault and fault.corrupt and body:
            body = bytes([body[0] ^ 0xFF]) + body[1:]  # damaged in transit: the contract check and the model see this body
        call, arguments = self._call(raw, query, body)
        status, payload = self._answer(call, arguments, fault)
        headers = fault.headers if fault and status == fault.status else ()
        data = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        answer = _Answer(status, data, "" if payload is None else "application/json", Headers(list(headers)))
        if call is not None:
            self._record_violations(self._response_errors(call, answer), f"answer {status} to {self.command} {raw}")
        if fault and fault.lost:  # the model has handled it (answer checked); it never arrives
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return self._record(below, raw, 0)
        self._record(below, raw, status)  # before answering, so the test sees it once the client has the answer
        self.send_response(status)
        for name, value in [*headers, ("Content-Type", answer.content_type), ("Content-Length", str(len(data)))]:
            if value:
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _answer(self, call: _Call | None, arguments: dict[str, Any], fault: Fault | None) -> tuple[int, Any]:
        """The contract check first (400, or 401 without a token), then an injected error, then the token, then the model."""
        if call is None:
            return _error(404, f"not modelled: {self.command} {self.path}")
        rejected = self._record_violations(self._request_errors(call), f"{self.command} {call.path}")
        if any(isinstance(error, SecurityValidationError) for error in rejected):
            return _error(401, "Access Denied: no token")
        if rejected:
            return _error(400, "; ".join(_explain(error) for error in rejected))
        if fault and fault.status:
            return _error(fault.status, fault.message)
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            return _error(401, "Access Denied: invalid token")  # never echo the token
        return self.server.dispatch(arguments.pop("handler"), arguments)

    def _call(self, raw: str, query: str, body: bytes) -> tuple[_Call | None, dict[str, Any]]:
        """The request as openapi-core sees it, and the model method with its arguments."""
        base = self.server.base
        below = raw.removeprefix(base) if raw.startswith(base + "/") else None
        found = _route(self.command, below) if below else None
        if found is None:
            self.server.violations.append(f"{self.command} {raw}: not a route of the definition this server models")
            return None, {}
        template, handler, raw_params = found
        params = {name: unquote(value) for name, value in raw_params.items()}
        if "path" in params:
            params["path"] = self._file_path(raw_params["path"])
        query_pairs = parse_qsl(query)
        parameters = RequestParameters(query=ImmutableMultiDict(query_pairs), header=Headers(list(self.headers.items())), path=params)
        content_type = (self.headers.get("Content-Type") or "").lower()
        call = _Call(self.command.lower(), raw, base + template, parameters, body, content_type, self.server.host)
        arguments: dict[str, Any] = {**params, "handler": handler, **{k: v for k, v in query_pairs if k in ("page", "per_page")}}
        if handler == "create_site_deploy":
            arguments["body"] = body
        elif handler == "upload_deploy_file":
            arguments["path"], arguments["data"] = "/" + params["path"], body
        return call, arguments

    def _file_path(self, raw: str) -> str:
        """The upload's file path; the README's rules: '/' raw, everything else percent-encoded, NFC."""
        if "%2f" in raw.lower() or any(ord(c) > 127 or c == " " for c in raw):
            self.server.violations.append(f"uploadDeployFile path {raw!r}: '/' must be raw and everything else percent-encoded")
        try:
            path = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            self.server.violations.append(f"uploadDeployFile path {raw!r} is not UTF-8")
            return raw
        if not unicodedata.is_normalized("NFC", path):
            self.server.violations.append(f"uploadDeployFile path {path!r} is not in NFC")
        return path

    def _request_errors(self, call: _Call) -> list[Exception]:
        with self.server.checking:  # one openapi-core check at a time
            errors = list(self.server.openapi.iter_request_errors(call))
        if call.body == b"" and self.headers.get("Content-Length") == "0" and call.content_type == "application/octet-stream":
            # openapi-core takes a zero-length body for a missing one; an empty file is a real upload of 0 bytes
            errors = [error for error in errors if not isinstance(error, MissingRequiredRequestBody)]
        return errors

    def _response_errors(self, call: _Call, answer: _Answer) -> list[Exception]:
        with self.server.checking:
            return list(self.server.openapi.iter_response_errors(call, answer))

    def _record_violations(self, errors: list[Exception], what: str) -> list[Exception]:
        self.server.violations.extend(f"{what}: {_explain(error)}" for error in errors)
        return errors

    def _record(self, below: str, raw: str, status: int) -> None:
        with self.server.lock:
            self.server.seen.append(Seen(self.command, below, raw, time.time(), status, self.headers.get("User-Agent", "")))


def _explain(exc: Exception) -> str:
    cause = exc.__cause__ or exc.__context__
    return f"{exc}: {cause}" if cause else str(exc)
