"""CLI commands: models (registered on the main app by api/cli.py)."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
