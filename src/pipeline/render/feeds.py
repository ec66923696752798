"""Atom feeds per locale and the sitemap with hreflang alternates, as deterministic XML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, time

from pipeline.render.bidi import isolate_text
from pipeline.render.l10n import rfc3339
from pipeline.render.siteplan import Entry, SitePlan

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEED_SIZE = 20


def feed_entries(plan: SitePlan, lang: str, tag: str | None = None) -> list[Entry]:
    """What a feed lists: the newest real articles of `lang` (no fallbacks), those with `tag` for a tag's feed."""
    entries = (e for e in plan.entries[lang] if e.fallback_from is None and (tag is None or tag in e.article.tags))
    return list(entries)[:FEED_SIZE]


def atom(plan: SitePlan, lang: str, title: str, now: datetime | None, tag: str | None = None) -> bytes:
    """The newest articles of `lang` (or of one tag); `updated` is the newest date unless `now` is given.

    The feed names the site as its author, so an entry without one (an author is optional) still makes a valid feed (RFC 4287 §4.1.1).
    """
    ET.register_namespace("", ATOM)
    direction = plan.config.locales[lang].direction
    entries = feed_entries(plan, lang, tag)
    home = f"/{lang}/tags/{tag}/" if tag else f"/{lang}/"
    feed = ET.Element(f"{{{ATOM}}}feed", {_XML_LANG: lang})
    _text(feed, "title", isolate_text(title, direction))
    _text(feed, "id", plan.absolute(home))
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": plan.absolute(f"{home}feed.xml")})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": plan.absolute(home)})
    newest = now or (max((_updated(e) for e in entries), default=None))
    _text(feed, "updated", rfc3339(newest) if newest else "1970-01-01T00:00:00Z")
    site_name = plan.config.title.get(lang) or plan.config.title.get(plan.config.source_locale) or plan.config.base_url
    _text(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", isolate_text(site_name, direction))
    ET.SubElement(feed, f"{{{ATOM}}}generator").text = "pipeline"
    for entry in entries:
        feed.append(_entry(plan, entry, direction))
    return _serialise(feed)


def _entry(plan: SitePlan, entry: Entry, direction: str) -> ET.Element:
    article = entry.article
    node = ET.Element(f"{{{ATOM}}}entry")
    _text(node, "title", isolate_text(article.title, direction))
    ET.SubElement(node, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": plan.absolute(entry.url)})
    for code, url in entry.alternates:
        if code not in (entry.lang, "x-default"):
            ET.SubElement(node, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "hreflang": code, "href": plan.absolute(url)})
    _text(node, "id", plan.absolute(entry.url))
    _text(node, "published", rfc3339(article.publish_at or article.date))
    _text(node, "updated", rfc3339(_updated(entry)))
    if article.author:
        author = ET.SubElement(node, f"{{{ATOM}}}author")
        _text(author, "name", isolate_text(article.author, direction))
    for tag in article.tags:
        label = plan.config.tags.get(tag, {}).get(entry.lang, tag)
        ET.SubElement(node, f"{{{ATOM}}}category", {"term": tag, "label": isolate_text(label, direction)})
    if article.summary:
        _text(node, "summary", isolate_text(article.summary, direction))
    content = _text(node, "content", f'<div dir="{direction}">{entry.html}</div>')
    content.set("type", "html")
    return node


def _updated(entry: Entry) -> datetime:
    article = entry.article
    return article.publish_at or datetime.combine(article.date, time(0), tzinfo=UTC)


def sitemap(plan: SitePlan) -> bytes:
    """Every page readers should find, with its language alternates (xhtml:link) and x-default.

    Written line by line, the bytes ElementTree gives for the same tree (indented, `xhtml:` declared when used): a
    tree of every URL and its alternates held ~60 MB at 5,000 pairs in the worker making it, for a 5 MB file."""
    lines: list[str] = []
    locales = list(plan.config.locales)
    home_alternates = tuple((code, f"/{code}/") for code in locales) + (("x-default", "/"),)
    _url(lines, plan, "/", home_alternates, None)  # the language choice: the x-default page
    for code in locales:
        _url(lines, plan, f"/{code}/", home_alternates, None)
    for code in locales:
        for entry in plan.entries[code]:
            if entry.fallback_from is None:  # a fallback's canonical is its original, which is listed
                _url(lines, plan, entry.url, entry.alternates, rfc3339(_updated(entry))[:10])
    tags = {code: plan.tags(code) for code in locales}
    for code in locales:
        for tag in tags[code]:
            alternates = tuple((other, f"/{other}/tags/{tag}/") for other in locales if tag in tags[other])
            if tag in tags[plan.config.source_locale]:
                alternates += (("x-default", f"/{plan.config.source_locale}/tags/{tag}/"),)
            _url(lines, plan, f"/{code}/tags/{tag}/", alternates, None)
    links = f' xmlns:xhtml="{XHTML}"' if any(line.startswith("    <xhtml:") for line in lines) else ""
    head = ["<?xml version='1.0' encoding='utf-8'?>", f'<urlset xmlns="{SITEMAP}"{links}>']
    return "\n".join([*head, *lines, "</urlset>\n"]).encode("utf-8")


def _url(lines: list[str], plan: SitePlan, path: str, alternates: tuple[tuple[str, str], ...], lastmod: str | None) -> None:
    lines += ("  <url>", f"    <loc>{_xml_text(plan.absolute(path))}</loc>")
    if lastmod:
        lines.append(f"    <lastmod>{_xml_text(lastmod)}</lastmod>")
    for code, url in alternates:
        lines.append(f'    <xhtml:link rel="alternate" hreflang="{_xml_attribute(code)}" href="{_xml_attribute(plan.absolute(url))}" />')
    lines.append("  </url>")


def _xml_text(text: str) -> str:
    """Text as ElementTree writes it, after what XML cannot hold is dropped (_serialise)."""
    return _NOT_XML.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attribute(value: str) -> str:
    """An attribute value as ElementTree writes it (double quotes, line ends and tabs as character references)."""
    escaped = _xml_text(value).replace('"', "&quot;")
    return escaped.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{parent.tag.split('}')[0][1:]}}}{tag}")
    node.text = text
    return node


# What XML 1.0 cannot hold at all (control characters, lone surrogates, U+FFFE, U+FFFF): dropped, or readers reject the whole feed.
# Spelled as the set itself: its complement (everything but the allowed ranges) takes milliseconds to compile at every start.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _serialise(root: ET.Element) -> bytes:
    for node in root.iter():
        node.text = _NOT_XML.sub("", node.text) if node.text else node.text
        for name, value in node.attrib.items():
            node.attrib[name] = _NOT_XML.sub("", value)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
