"""The `crewline` command line: serve the app, load the sample city, solve problems, benchmark.

Sub-commands live in their own modules and are imported only when used, so `crewline solve`
never pays for the web stack and `crewline serve` never pays for the benchmark peers.
"""

from __future__ import annotations

import importlib

import click

_COMMANDS: dict[str, str] = {
    "serve": "dispatch_api.cli.serve:serve",
    "demo": "dispatch_api.cli.serve:demo",
    "solve": "dispatch_api.cli.solve:solve",
    "bench": "dispatch_api.cli.bench:bench",
    "city": "dispatch_api.cli.city:city",
}


class _LazyGroup(click.Group):
    def __init__(self, *args: object, lazy: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            module_name, attr = self._lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup, lazy=_COMMANDS)
@click.version_option(package_name="crewline")
def main() -> None:
    """Crewline: field-crew dispatch and routing for a city's 137 hotline."""
