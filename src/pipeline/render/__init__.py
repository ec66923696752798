"""What a checked site publishes, made into HTML, JSON, Atom and a sitemap: the page plan, bidi isolation, the theme, dates and plurals."""
