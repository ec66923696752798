"""The exception tree; each error carries the exit code the CLI turns it into.

PipelineError              exit 2 unless a subclass says otherwise
├── UsageError             exit 2: bad arguments, no site at --root
├── ConfigError            exit 2: site.yaml or the schema is broken (carries diagnostics)
└── ContentError           exit 1: the content has errors (carries diagnostics)
"""

from __future__ import annotations

from pipeline.diagnostics import Diagnostic


class PipelineError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = 2

    def __init__(self, message: str, diagnostics: tuple[Diagnostic, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics

    def __reduce__(self) -> tuple[type, tuple[str, tuple[Diagnostic, ...]]]:
        """Whole across processes (a worker's error reaches the command with its diagnostics)."""
        return (type(self), (self.message, self.diagnostics))


class UsageError(PipelineError):
    """The command was called wrongly, or --root is not a site."""


class ConfigError(PipelineError):
    """The site's configuration cannot be used; its diagnostics say where."""


class ContentError(PipelineError):
    """The content has errors, so nothing is built or published."""

    exit_code = 1
