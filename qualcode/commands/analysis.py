"""Commands for this area; filled in by its issue."""

import click


def register(main: click.Group) -> None:
    """Add this module's commands to ``main``."""
