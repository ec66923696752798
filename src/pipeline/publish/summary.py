"""A publish plan and receipt as an editor reads them (text) and as a bot reads them (JSON)."""

from __future__ import annotations

import json
from dataclasses import asdict

from pipeline.publish.plan import ADDED, CHANGED, DELETED, Plan
from pipeline.publish.targets.base import Deploy, Receipt


def size(n: int) -> str:
    """Bytes for people: 980 B, 12.3 kB, 4.5 MB."""
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def plan_text(plan: Plan, target: str, kind: str, locales: tuple[str, ...]) -> str:
    totals = f"{plan.count(ADDED)} added, {plan.count(CHANGED)} changed, {plan.count(DELETED)} deleted, {plan.unchanged} unchanged"
    lines = [f"plan for target '{target}' ({kind}): {totals}; {size(plan.bytes_to_send)} to send"]
    for group, counts in plan.by_group(locales).items():
        lines.append(f"  {group:<7} +{counts[ADDED]} ~{counts[CHANGED]} -{counts[DELETED]}")
    for held in plan.held:
        lines.append(f"  held back: {held.lang}/{held.id}: {held.reason}")
    if not plan.changes:
        lines.append("  nothing to change: the live site is this build")
    return "\n".join(lines) + "\n"


def receipt_text(receipt: Receipt) -> str:
    what = "draft ready at" if receipt.draft else "live at"
    lines = [
        f"deploy {receipt.deploy_id} {what} {receipt.url}",
        f"sent {receipt.uploaded} of {receipt.total} files ({size(receipt.uploaded_bytes)})",
    ]
    lines += list(receipt.notes)
    return "\n".join(lines) + "\n"


def as_json(plan: Plan, receipt: Receipt | None, target: str, locales: tuple[str, ...]) -> str:
    data = {
        "target": target,
        "plan": {
            "added": plan.count(ADDED),
            "changed": plan.count(CHANGED),
            "deleted": plan.count(DELETED),
            "unchanged": plan.unchanged,
            "bytes_to_send": plan.bytes_to_send,
            "by_locale": plan.by_group(locales),
            "held": [asdict(h) for h in plan.held],
            "changes": [asdict(c) for c in plan.changes],
        },
        "receipt": asdict(receipt) if receipt else None,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def deploys_text(deploys: list[Deploy]) -> str:
    if not deploys:
        return "no deploys yet\n"
    width = max(len(d.id) for d in deploys)
    rows = [f"{'ID':<{width}}  {'CREATED':<27}  {'STATE':<9}  URL"]
    rows += [f"{d.id:<{width}}  {d.created:<27}  {d.state:<9}  {d.url}" for d in deploys]
    return "\n".join(rows) + "\n"


def deploys_json(target: str, deploys: list[Deploy], pruned: list[str] | None = None) -> str:
    data: dict[str, object] = {"target": target, "deploys": [asdict(d) for d in deploys]}
    if pruned is not None:
        data["pruned"] = pruned
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def receipt_json(target: str, receipt: Receipt) -> str:
    return json.dumps({"target": target, "receipt": asdict(receipt)}, ensure_ascii=False, indent=2) + "\n"


def error_json(target: str, message: str, exit_code: int, diagnostics: list[dict[str, object]]) -> str:
    """A failed command as a bot reads it: what went wrong, its exit code, and any located diagnostics."""
    data = {"target": target, "receipt": None, "error": {"message": message, "exit_code": exit_code}, "diagnostics": diagnostics}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
