"""The demo county (placeholder until the generator lands)."""
import click
from flask.cli import with_appcontext


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo county."""
