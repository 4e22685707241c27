"""Entry point for ``python -m kcheck``."""

from kcheck.cli import entry

if __name__ == "__main__":
    entry()
