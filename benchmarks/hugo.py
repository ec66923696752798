"""Hugo's side of the benchmark: the same corpus with layouts that write what `pipeline build` writes, timed alike.

`corpus.write_hugo` writes content only (it is also the input of `pipeline import hugo`, which takes no
layouts); `add_layouts` gives that site templates for the same outputs as ours: an HTML page and a JSON
document per article and locale, each locale's paginated list (10 a page, as ours), each tag's list paginated alike,
Hugo's built-in RSS feeds and sitemap. Hugo 0.111 is Debian's package `hugo` (`make bench` installs it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

LAYOUTS = {
    "_default/baseof.html": """<!doctype html>
<html lang="{{ .Site.Language.Lang }}" dir="{{ .Site.Language.LanguageDirection | default "ltr" }}">
<head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title>
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">{{ end }}
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .Permalink }}">{{ end }}
</head>
<body><header><nav><a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a>
{{ range .Translations }}<a hreflang="{{ .Language.Lang }}" href="{{ .RelPermalink }}">{{ .Language.LanguageName }}</a>{{ end }}
</nav></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer>{{ .Site.Language.LanguageName }}</footer></body></html>
""",
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time> · {{ .Params.author }} · {{ .ReadingTime }} min</p>
<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
{{ .TableOfContents }}
{{ .Content }}</article>{{ end }}
""",
    "_default/single.json": """{{- $tags := slice -}}{{- range .GetTerms "tags" -}}{{- $tags = $tags | append (dict "name" .LinkTitle "url" .Permalink) -}}{{- end -}}
{{- $alts := slice -}}{{- range .Translations -}}{{- $alts = $alts | append (dict "hreflang" .Language.Lang "url" .Permalink) -}}{{- end -}}
{{- dict "id" .File.BaseFileName "lang" .Language.Lang "url" .Permalink "title" .Title "summary" .Description "date" (.Date.Format "2006-01-02") "author" .Params.author "tags" $tags "reading_minutes" .ReadingTime "alternates" $alts "html" .Content | jsonify (dict "indent" "  ") -}}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = .Site.RegularPages }}{{ end }}
<ol>{{ range (.Paginate $pages.ByDate.Reverse).Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<time>{{ .Date.Format "2006-01-02" }}</time><p>{{ .Description }}</p></li>{{ end }}</ol>
{{ template "_internal/pagination.html" . }}{{ end }}
""",
    "_default/terms.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>{{ end }}
""",
}
OUTPUTS = """
[outputs]
  home = ["HTML", "RSS"]
  page = ["HTML", "JSON"]
  section = ["HTML", "RSS"]
  taxonomy = ["HTML"]
  term = ["HTML", "RSS"]
"""


def add_layouts(site: Path) -> None:
    """Give a `corpus.write_hugo` site the templates and outputs that match `pipeline build`'s."""
    for rel, text in LAYOUTS.items():
        target = site / "layouts" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    config = site / "hugo.toml"
    text = config.read_text(encoding="utf-8")
    if "[outputs]" not in text:
        head, _, languages = text.partition("[languages")
        config.write_text(f'{head}title = "Benchmark"\npaginate = 10\n{OUTPUTS}\n[languages{languages}', encoding="utf-8")


def command(site: Path, out: Path) -> list[str]:
    """A cold `hugo` build of `site` into `out`, with a cache folder of its own beside it (`out` named `…-cache`)."""
    hugo = shutil.which("hugo") or "hugo"
    return [hugo, "--quiet", "--source", str(site), "--destination", str(out), "--cacheDir", str(out.with_name(f"{out.name}-cache"))]
