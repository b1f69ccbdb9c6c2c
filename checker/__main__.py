"""``python -m checker`` runs the maintcheck command line."""

from checker.cli import run

run()
