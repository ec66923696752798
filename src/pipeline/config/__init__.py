"""Located YAML, JSON Schema checks placed at their lines, and the site's configuration (site.yaml, the article schema) built from them."""
