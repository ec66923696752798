"""The publish: build (the gate refuses errors), plan against what the target has live, send, switch, receipt."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.build import digested
from pipeline.build.write import safe_path
from pipeline.config.site import SiteConfig, load_config
from pipeline.publish import locks
from pipeline.publish.plan import Held, Plan, diff
from pipeline.publish.targets.base import Progress, PublishError, Receipt, Target, TargetConfigError, manifest

DEFAULT_TARGET = "default"
EMBEDDED_DEFAULT: Mapping[str, Any] = {"type": "local", "path": "published"}
_MODULES = {
    "local": "pipeline.publish.targets.local",
    "netlify": "pipeline.publish.targets.netlify",
    "ssh": "pipeline.publish.targets.ssh",
    "webdav": "pipeline.publish.targets.webdav",
}


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything decided before anything is sent."""

    target: Target
    target_type: str
    files: Mapping[str, bytes]
    plan: Plan
    notes: tuple[str, ...] = ()  # about the build cache, for the editor


def target(config: SiteConfig, name: str | None) -> tuple[Target, str]:
    """The target `name` (or `default`) from site.yaml; a site without targets gets the embedded local one."""
    chosen = name or DEFAULT_TARGET
    options = config.targets.get(chosen)
    if options is None:
        if chosen != DEFAULT_TARGET or config.targets:
            known = ", ".join(sorted(config.targets)) or "none"
            raise TargetConfigError(f"no target '{chosen}' in site.yaml (targets: {known})")
        options = EMBEDDED_DEFAULT
    kind = options["type"]
    module = importlib.import_module(_MODULES[kind])
    return module.from_config(chosen, options, config.root), kind


def prepare(root: Path, name: str | None, now: datetime | None = None, jobs: int = 1) -> Prepared:
    """Validate and build the site (reusing the last build's results where unchanged), and plan it against the target's live deploy."""
    config, _ = load_config(root)
    chosen, kind = target(config, name)
    built = digested.build(root, now, jobs)  # reusing the last build's and publish's results where unchanged
    unsafe = sorted(path for path in built.files if not safe_path(path))
    if unsafe:
        raise PublishError(f"refusing to publish paths outside the site: {', '.join(unsafe)}")
    held = tuple(Held(lang, article_id, why) for lang, article_id, why in built.held)
    return Prepared(chosen, kind, built.files, diff(manifest(built.files), chosen.live(), held), built.notes)


def run(prepared: Prepared, draft: bool, progress: Progress, confirmed: bool, max_delete_share: float) -> Receipt:
    """Send and switch, holding the target's lock; refuses a plan that deletes too much unless confirmed."""
    plan = prepared.plan
    if not draft and plan.delete_share > max_delete_share and not confirmed:
        raise PublishError(
            f"this publish would delete {plan.count('deleted')} of the {plan.live_files} live files "
            f"({plan.delete_share:.0%}, over the limit of {max_delete_share:.0%} in publish.max_delete_share); "
            "check the plan with --dry-run, then confirm with --yes"
        )
    with prepared.target.lock(holder="pipeline publish") as notes:
        receipt = _unchanged(prepared) if not plan.changes and not draft else None
        receipt = receipt or prepared.target.publish(prepared.files, draft, progress)
    return replace(receipt, notes=(*(notes or ()), *receipt.notes))


def _unchanged(prepared: Prepared) -> Receipt | None:
    """The live deploy's receipt when the build is exactly what is live."""
    live = next((d for d in prepared.target.deploys() if d.state == "live"), None)
    if live is None:
        return None
    return Receipt(live.id, live.url, 0, 0, len(prepared.files), notes=("nothing changed: the live deploy already is this build",))


def unlock(chosen: Target, kind: str) -> str:
    """Remove the target's lock whoever holds it, saying whose it was (for a publish that can no longer release it)."""
    own = getattr(chosen, "unlock", None)
    if callable(own):
        return str(own())
    path = getattr(chosen, "lock_path", None)
    if not isinstance(path, Path):
        raise PublishError(f"target '{chosen.name}' ({kind}) has no lock of its own to remove")
    return locks.release(path, f"target '{chosen.name}'")


def prune(chosen: Target, kind: str, keep: int) -> list[str]:
    """Remove all but the newest `keep` deploys of a target that keeps its own history (local)."""
    pruner = getattr(chosen, "prune", None)
    if pruner is None:
        raise PublishError(f"target '{chosen.name}' ({kind}) prunes its own history; --prune is for local targets")
    with chosen.lock(holder="pipeline deploys --prune"):
        pruned: list[str] = pruner(keep)
    return pruned
