"""`crewline bench geo`: figures are printed and only the Geo section of the file is replaced."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dispatch_api.cli.bench_geo import Figure, _write_section, geo


def test_write_section_replaces_only_geo(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\n## Engine\n\nsolomon: 1 s\n\n## Geo\n\nold figures\n\n## API\n\n"
                    "p95 3 ms\n", encoding="utf-8")
    _write_section(path, "crewline bench geo", [Figure("locate", "0.1 s", "≤ 1 s", "11 districts")])
    text = path.read_text(encoding="utf-8")
    assert "old figures" not in text
    assert "## Engine\n\nsolomon: 1 s" in text and "## API\n\np95 3 ms" in text
    assert "| locate | 0.1 s | ≤ 1 s | 11 districts |" in text
    assert text.index("## Engine") < text.index("## Geo") < text.index("## API")
    fresh = tmp_path / "NEW.md"
    _write_section(fresh, "crewline bench geo", [Figure("x", "1 s")])
    assert fresh.read_text(encoding="utf-8").startswith("# Benchmarks\n\n## Geo\n")


@pytest.mark.slow
def test_bench_geo_runs_small(shared_dir: Path, sample_city_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "B.md"
    result = CliRunner().invoke(geo, ["--points", "2000", "--matrix", "30", "--no-osm", "--shared",
                                      str(shared_dir), "--city", str(sample_city_dir), "--write", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    for what in ("locate 2,000 points, sample city", "locate 2,000 points, Tehran",
                 "build sample-city graph", "30×30 travel matrix, sample city",
                 "30×30 travel matrix, Cambridge MA"):
        assert what in text
