"""A Hugo-shaped bilingual site (English and Hebrew, contentDir per language) as a dict of files, for the import tests."""

from __future__ import annotations

HUGO_TOML = """\
baseURL = "https://docs.example.org/"
title = "Example Docs"
defaultContentLanguage = "en"

[permalinks]
  posts = "/blog/:year/:slug/"

[languages]
  [languages.en]
    contentDir = "content/en"
    languageName = "English"
    title = "Example Docs"
    weight = 1
  [languages.he]
    contentDir = "content/he"
    languageName = "עברית"
    languageDirection = "rtl"
    title = "תיעוד לדוגמה"
    weight = 2
"""

FAQ_EN = """\
+++
title = "Frequently asked questions"
description = "Answers to what people ask most."
date = 2023-04-01T10:00:00+03:00
lastmod = 2024-01-15
weight = 20
linkTitle = "FAQ"
aliases = ["/faq/", "old-faq"]
tags = ["Getting Started"]
[menu.main]
  parent = "docs"
+++

## Installing {#install}

See [the guide]({{< ref "docs/guide" >}}) and the [first post](/blog/2023/hello-world/).

{{< youtube dQw4w9WgXcQ >}}

## Custom things

{{< notice warning >}}
Be careful.
{{< /notice >}}
"""

FAQ_HE = """\
---
title: שאלות נפוצות
description: תשובות למה ששואלים הכי הרבה.
date: 2023-06-10
tags: [מתחילים]
weight: 20
---

## התקנה {#install}

ראו את [המדריך]({{< relref "/docs/guide.md" >}}) ואת [הרשומה הראשונה](/he/blog/2023/hello-world/).

{{< youtube dQw4w9WgXcQ >}}

## דברים מיוחדים

{{< notice warning >}}
זהירות.
{{< /notice >}}
"""

GUIDE_EN = """\
---
title: The guide
date: 2023-03-01
summary: How to use it.
---

Read the [FAQ](/docs/faq/#install) first.

{{< highlight python "linenos=table" >}}
print("hello")
{{< /highlight >}}

Shortcodes are written like {{</* ref "x" */>}}.
"""

GUIDE_HE = """\
---
title: המדריך
date: 2023-03-01
summary: איך משתמשים בזה.
---

קראו קודם את [השאלות](/docs/faq/#install).

{{< highlight python "linenos=table" >}}
print("hello")
{{< /highlight >}}

כותבים קיצורים כך: {{</* ref "x" */>}}.
"""

POST_EN = """\
---
title: Hello world
date: 2023-02-10
slug: hello-world
description: The first post.
tags: [News]
---

{{< figure src="cover.png" alt="A hello sign" caption="Hello, world" >}}

Text of the first post.
"""

POST_HE = """\
---
title: שלום עולם
date: 2023-02-12
publishDate: 2023-02-12T09:00:00
slug: hello-world
description: הרשומה הראשונה.
tags: [חדשות]
---

{{< figure src="cover.png" alt="שלט שלום" caption="שלום, עולם" >}}

הטקסט של הרשומה הראשונה.
"""

ONLY_HE = """\
---
title: רק בעברית
date: 2023-05-05
---

דף שאין לו מקור באנגלית.
"""

ABOUT_EN = """\
{
  "title": "About",
  "date": "2022-12-01",
  "translationKey": "about-us"
}

About this site.
"""

ABOUT_HE = """\
---
title: אודות
date: 2022-12-01
translationKey: about-us
---

על האתר הזה.
"""

PNG = b"\\x89PNG\\r\\n\\x1a\\n" + b"\\x00" * 16


def hugo_site() -> dict[str, str | bytes]:
    """The files of the fixture, path -> text or bytes."""
    return {
        "hugo.toml": HUGO_TOML,
        "content/en/_index.md": "---\ntitle: Home\n---\n\nWelcome.\n",
        "content/en/docs/faq.md": FAQ_EN,
        "content/he/docs/faq.md": FAQ_HE,
        "content/en/docs/guide.markdown": GUIDE_EN,
        "content/he/docs/guide.markdown": GUIDE_HE,
        "content/en/posts/hello/index.md": POST_EN,
        "content/en/posts/hello/cover.png": PNG,
        "content/he/posts/hello/index.md": POST_HE,
        "content/he/posts/hello/cover.png": PNG,
        "content/he/only-hebrew.md": ONLY_HE,
        "content/en/about.md": ABOUT_EN,
        "content/he/about-page.md": ABOUT_HE,
        "content/en/legacy.html": "<p>An HTML page.</p>\n",
        "static/images/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
    }
