"""The status report as one self-contained HTML page a translator would rather look at than read."""

from __future__ import annotations

from importlib import resources

import jinja2

from pipeline.config.site import SiteConfig
from pipeline.translators.status import Report

_TEMPLATE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    resources.files("pipeline").joinpath("data/status.html").read_text("utf-8")
)


def render(report: Report, config: SiteConfig) -> str:
    """The page: coverage per language, then every article's state with the diffs of stale sections."""
    root = config.root.resolve()
    catalogs = {cat.lang: cat for cat in report.catalogs}
    locales = []
    for code, counts in report.locales.items():
        cat = catalogs.get(code)
        locales.append(
            {
                "code": code,
                "name": config.locales[code].name,
                "dir": config.locales[code].direction,
                "ok": report.up_to_date(code)[0],
                "total": report.up_to_date(code)[1],
                "words": report.words[code],
                "counts": counts,
                "catalog": {**cat.as_dict(), "url": (root / cat.path).as_uri()} if cat else None,
            }
        )
    rows = [
        {
            "id": row.state.id,
            "lang": row.state.lang,
            "dir": config.locales[row.state.lang].direction,
            "state": row.state.state,
            "path": row.state.path,
            "url": (root / row.state.path).as_uri(),
            "source_url": (root / row.state.source_path).as_uri() if row.state.source_path else "",
            "title": row.title,
            "source_title": row.source_title,
            "sections": row.sections,
        }
        for row in report.rows
    ]
    title = config.title.get(config.source_locale, config.base_url)
    return _TEMPLATE.render(site_title=title, locales=locales, rows=rows)
