"""Commands beyond the core ones in checker.cli, each registered there with one line."""
