"""The `pipeline` command line: the command group, and one module per kind of user (site files, editors, translators)."""
