"""`crewline city check [FOLDER]`: validate a city data folder before loading it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click


@click.group()
def city() -> None:
    """Work with a city data folder (the format is in docs/city-data.md)."""


@city.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
def check(folder: Path | None) -> None:
    """Load FOLDER (default: $CREWLINE_CITY_DIR, else the sample city), check every file and every
    reference between files, and print what it holds; exit status 1 with the first problem."""
    from dispatch_api.citydata import CityDataError, default_city_dir, load_city

    try:
        data = load_city(folder if folder is not None else default_city_dir())
    except CityDataError as exc:
        raise click.ClickException(str(exc)) from None
    classes = Counter(e.road_class for e in data.edges)
    tiers = Counter(r.tier for r in data.snow_routes)
    click.echo(f"{data.city.name.en} ({data.city.name.fa}) in {data.folder}: valid")
    click.echo(f"  districts    {len(data.districts)}")
    click.echo(
        f"  streets      {len(data.nodes)} nodes, {len(data.edges)} edges "
        f"({', '.join(f'{n} {c}' for c, n in sorted(classes.items()))}), "
        f"{sum(e.oneway for e in data.edges)} one-way, {sum(e.bridge for e in data.edges)} bridges"
    )
    click.echo(f"  depots       {len(data.depots)}; facilities {len(data.facilities)}")
    click.echo(
        f"  contractors  {len(data.contractors)}; crews {len(data.crews)}; equipment {len(data.equipment)}"
    )
    click.echo(f"  categories   {len(data.categories)}")
    click.echo(
        f"  tickets      {len(data.tickets_day)} on {data.city.service_date} "
        f"({sum(1 for t in data.tickets_day if t.repeat_of)} repeat calls)"
    )
    click.echo(
        f"  snowstorm    level {data.snowstorm.level}, districts {data.snowstorm.districts}, "
        f"{len(data.snowstorm.tickets)} tickets; snow routes "
        + ", ".join(f"tier {t}: {n}" for t, n in sorted(tiers.items()))
    )
