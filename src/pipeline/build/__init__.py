"""A build into a folder: every output described and keyed, written whole or only what changed, the build cache, and the preview server."""
