"""JSON Schema checks of loaded YAML, each finding placed at the line of the key it concerns.

jsonschema (pure Python, slow to import) is loaded only when it is needed: to meta-check a site's own
schema, or to locate the findings of a document the compiled gate (jsonschema-rs) did not pass.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from pipeline.config.yamldoc import YamlDoc

if TYPE_CHECKING:
    import jsonschema

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.fullmatch(value):
        return False
    date.fromisoformat(value)
    return True


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value) or len(value) < 16:
        return False
    return datetime.fromisoformat(value).tzinfo is not None


@cache
def formats() -> jsonschema.FormatChecker:
    """jsonschema's checker of the formats the schemas use: ours for date and date-time, which jsonschema would not assert."""
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date", raises=ValueError)(_is_date)
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    return checker


_FORMAT_HINTS = {"date": "YYYY-MM-DD", "date-time": "YYYY-MM-DDTHH:MM:SS+02:00, with a time zone"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One schema violation: `kind` is 'required', 'unknown' or 'invalid'."""

    kind: str
    line: int
    column: int
    message: str


class SchemaFileError(Exception):
    """The schema file itself is unusable; `line` is where, when known."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def read_schema(path: FsPath, meta_check: bool = True) -> dict[str, Any]:
    """Load a JSON Schema file and check it is a valid 2020-12 schema (`meta_check` False: this tool's own, checked by its tests)."""
    try:
        text = path.read_text(encoding="utf-8")
        schema = json.loads(text)
    except OSError as exc:
        raise SchemaFileError(f"cannot read the schema: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise SchemaFileError(f"the schema is not UTF-8 (byte offset {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise SchemaFileError(f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from exc
    if meta_check:
        _check_schema(text)
    return schema


@functools.lru_cache(maxsize=8)
def _check_schema(text: str) -> None:
    """Raise SchemaFileError unless the JSON `text` is a valid 2020-12 schema (a valid one is checked once per process: `serve`)."""
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(json.loads(text))
    except jsonschema.SchemaError as exc:
        where = "/".join(str(part) for part in exc.absolute_path) or "(top)"
        raise SchemaFileError(f"not a valid JSON Schema at {where}: {exc.message}") from exc


class Checker:
    """A validator for one schema, optionally with subschemas of its `$defs` that must also pass."""

    def __init__(self, schema: dict[str, Any], also: tuple[str, ...] = ()) -> None:
        combined = dict(schema)
        if also:  # inline the subschemas rather than $ref them: a lookup per article is slow
            combined["allOf"] = [*schema.get("allOf", ()), *(_pointer(schema, p) for p in also)]
        self._schema = combined
        self._validator: jsonschema.Draft202012Validator | None = None  # made for the first document the gate does not pass
        self._gate = _compiled(combined)

    def validator(self) -> jsonschema.Draft202012Validator:
        """jsonschema's validator of the schema, made on first use (it locates what the gate does not pass)."""
        if self._validator is None:
            import jsonschema

            self._validator = jsonschema.Draft202012Validator(self._schema, format_checker=formats())
        return self._validator

    def check(self, doc: YamlDoc, top: tuple[int, int] = (1, 1)) -> list[Finding]:
        """Every violation in `doc`, at its key's line; `top` stands for the document as a whole."""
        if self._gate is not None and _passes(self._gate, doc.data):
            return []
        findings: dict[tuple[int, int, str], Finding] = {}
        for error in self.validator().iter_errors(doc.data):
            for finding in _findings(error, doc, top):
                findings.setdefault((finding.line, finding.column, finding.message), finding)
        return sorted(findings.values(), key=lambda f: (f.line, f.column))


def _compiled(schema: dict[str, Any]) -> Any:
    """The gate of `schema`, compiled once per process for each schema text (serve loads the config after every edit)."""
    try:
        text = json.dumps(schema, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # not plain JSON data: compiled afresh, not kept
        return _compile(schema)
    if json.loads(text) != schema:  # keys that are not strings, tuples: the text is not the schema
        return _compile(schema)
    return _compiled_text(text)


@functools.lru_cache(maxsize=16)
def _compiled_text(text: str) -> Any:
    """The gate of the schema whose JSON text is `text` (a validator holds no state between documents)."""
    return _compile(json.loads(text))


def _compile(schema: dict[str, Any]) -> Any:
    """The schema compiled once by jsonschema-rs (Rust), a gate that lets a valid document skip jsonschema's descend.

    It only ever says "valid" for what jsonschema also finds valid, or the findings would be lost: formats are asserted
    (ours for date and date-time, its own for the rest: stricter, never looser), and a schema it cannot compile offline
    (a remote `$ref`: never fetched) has no gate. Whatever it rejects, jsonschema checks again for the located findings.
    """
    formats = {"date": _holds(_is_date), "date-time": _holds(_is_date_time)}
    try:
        return jsonschema_rs.validator_for(schema, formats=formats, validate_formats=True, retriever=_refuse)
    except Exception:  # noqa: BLE001 - anything it cannot compile is left to jsonschema, which reports it
        return None


def _passes(gate: Any, data: Any) -> bool:
    try:
        return bool(gate.is_valid(data))
    except Exception:  # noqa: BLE001 - a value it cannot take (a big integer): jsonschema decides
        return False


def _holds(check: Any) -> Any:
    def holds(value: str) -> bool:
        try:
            return bool(check(value))
        except ValueError:
            return False

    return holds


def _refuse(uri: str) -> Any:
    raise ValueError(f"not fetched: {uri}")


def _pointer(schema: dict[str, Any], pointer: str) -> Any:
    value: Any = schema
    for part in pointer.strip("/").split("/"):
        value = value[part.replace("~1", "/").replace("~0", "~")]
    return value


def _findings(error: jsonschema.ValidationError, doc: YamlDoc, top: tuple[int, int]) -> list[Finding]:
    path = tuple(error.absolute_path)
    line, column = doc.where(path) if path else top
    if error.validator not in ("required", "additionalProperties", "unevaluatedProperties") and path:
        line, column = doc.where_value(path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        where = f" in '{_dotted(path)}'" if path else ""
        return [Finding("required", line, column, f"required field '{name}' is missing{where}") for name in missing]
    if error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(error.instance, dict):
        known = list(error.schema.get("properties", {}))
        pattern = error.schema.get("patternProperties", {})
        extras = [k for k in error.instance if k not in known and not any(re.search(p, k) for p in pattern)]
        return [_unknown(path + (key,), known, doc) for key in extras]
    return [Finding("invalid", line, column, _describe(error, path))]


def _unknown(path: tuple[str | int, ...], known: list[str], doc: YamlDoc) -> Finding:
    line, column = doc.where(path)
    guess = difflib.get_close_matches(str(path[-1]), known, n=1, cutoff=0.6)
    hint = f"; did you mean '{guess[0]}'?" if guess else f"; known fields: {', '.join(known)}" if known else ""
    return Finding("unknown", line, column, f"unknown field '{_dotted(path)}'{hint}")


_USERINFO = re.compile(r"//[^/@\s'\"]*@")  # the `user:password@` of a URL: never echoed in a message


def _describe(error: jsonschema.ValidationError, path: tuple[str | int, ...]) -> str:
    return _USERINFO.sub("//…@", _message(error, path))


def _message(error: jsonschema.ValidationError, path: tuple[str | int, ...]) -> str:
    name = _dotted(path) or "front matter"
    value = error.instance
    if error.validator == "format":
        cause = f": {error.cause}" if error.cause else ""
        hint = _FORMAT_HINTS.get(error.validator_value, error.validator_value)
        return f"{name}: '{value}' is not a valid {error.validator_value}{cause} (expected {hint})"
    if error.validator == "type" and error.validator_value == "string" and isinstance(value, (int, float, bool)):
        return f"{name}: {json.dumps(value)} is not text; put it in quotes"
    return f"{name}: {error.message}"


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in path)
