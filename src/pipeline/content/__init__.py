"""One content file on its own: decoding, front matter, Markdown, Unicode safety, section fingerprints and the checks against the site index."""
