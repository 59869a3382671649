"""Generate the Miaoshan cell map 庙山网格图层 (``station/presets/miaoshan-cells.geojson``).

The geometry is synthetic and deterministic (a fixed random seed), not a survey: a 16 x 16
lattice of jittered blocks of about 400 m over some 40 km² near Tangxun Lake (汤逊湖, around
lon 114.40, lat 30.45, WGS-84) is cut into the 51 cells of the shipped station file along a
Hilbert curve, so every cell is one compact piece and the cells of a community or village lie
together; villages get three times the ground per household of urban communities. Neighbouring
cells share their border vertices exactly. One cell carries a pond as a hole, and one feature
(``"kind": "station"``) draws the station boundary. Cell codes, police grids and communities
are read from the station file. Run from the repository root::

    python tools/make_miaoshan_geojson.py          # rewrite the shipped file
    python tools/make_miaoshan_geojson.py --check  # exit 1 if the shipped file is out of date
"""

from __future__ import annotations

import json
import math
import random
import sys
import tomllib
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

__all__ = ["SOURCE", "TARGET", "main", "render"]

_PRESETS = Path(__file__).resolve().parent.parent / "src/fengqiao_core/station/presets"
SOURCE = _PRESETS / "miaoshan.toml"
TARGET = _PRESETS / "miaoshan-cells.geojson"

_SEED = 20231227
_ORDER = 4  # Hilbert order: a 16 x 16 lattice of blocks
_CENTRE = (114.40, 30.45)
_BLOCK_M = 395.0
_JITTER = 0.28
_DIGITS = 7
_METRES_PER_DEG_LAT = 111_194.9


def _hilbert(order: int) -> list[tuple[int, int]]:
    """The blocks of a 2^order square in Hilbert-curve order (consecutive blocks touch)."""
    side = 1 << order
    cells = []
    for d in range(side * side):
        x = y = 0
        t = d
        s = 1
        while s < side:
            rx = 1 & (t // 2)
            ry = 1 & (t ^ rx)
            if ry == 0:
                if rx == 1:
                    x, y = s - 1 - x, s - 1 - y
                x, y = y, x
            x += s * rx
            y += s * ry
            t //= 4
            s *= 2
        cells.append((x, y))
    return cells


def _lattice(rng: random.Random, side: int) -> dict[tuple[int, int], tuple[float, float]]:
    """Jittered lattice vertices in degrees, rounded so that shared vertices stay equal."""
    step_lat = _BLOCK_M / _METRES_PER_DEG_LAT
    step_lon = step_lat / math.cos(math.radians(_CENTRE[1]))
    west = _CENTRE[0] - step_lon * side / 2
    south = _CENTRE[1] - step_lat * side / 2
    vertices = {}
    for j in range(side + 1):
        for i in range(side + 1):
            dx = rng.uniform(-_JITTER, _JITTER)
            dy = rng.uniform(-_JITTER, _JITTER)
            lon = west + (i + dx) * step_lon
            lat = south + (j + dy) * step_lat
            vertices[(i, j)] = (round(lon, _DIGITS), round(lat, _DIGITS))
    return vertices


def _shares(cells: list[dict[str, Any]], blocks: int) -> list[int]:
    """Blocks per cell: at least one, the rest by households (villages weigh three times)."""
    weights = [c["households"] * (3 if c["community"].startswith("V") else 1) for c in cells]
    spare = blocks - len(cells)
    exact = [spare * w / sum(weights) for w in weights]
    shares = [1 + math.floor(e) for e in exact]
    by_remainder = sorted(range(len(cells)), key=lambda k: (-(exact[k] % 1), k))
    for k in by_remainder[: blocks - sum(shares)]:
        shares[k] += 1
    return shares


def _pond(block: shapely.Polygon, rng: random.Random) -> shapely.Polygon:
    """A small hexagonal pond in the middle of a block."""
    centre = block.centroid
    west, south, east, north = block.bounds
    radius = min(east - west, north - south) * 0.18
    points = []
    for k in range(6):
        angle = math.radians(60 * k + rng.uniform(-10, 10))
        points.append(
            (
                round(centre.x + radius * math.cos(angle), _DIGITS),
                round(centre.y + radius * math.sin(angle) * 0.9, _DIGITS),
            )
        )
    return shapely.Polygon(points)


def _feature(properties: dict[str, Any], geometry: BaseGeometry) -> dict[str, Any]:
    shape = shapely.orient_polygons(
        shapely.normalize(geometry)
    )  # RFC 7946: outer rings anticlockwise
    return {"type": "Feature", "properties": properties, "geometry": mapping(shape)}


def render() -> str:
    """The GeoJSON text of the Miaoshan cell map (deterministic)."""
    station = tomllib.loads(SOURCE.read_text(encoding="utf-8"))
    cells = sorted(station["cells"], key=lambda c: c["id"])
    rng = random.Random(_SEED)
    side = 1 << _ORDER
    vertices = _lattice(rng, side)
    order = _hilbert(_ORDER)
    blocks = [
        shapely.Polygon(
            [vertices[(i, j)], vertices[(i + 1, j)], vertices[(i + 1, j + 1)], vertices[(i, j + 1)]]
        )
        for i, j in order
    ]
    shares = _shares(cells, len(blocks))
    outlines = []
    start = 0
    for share in shares:
        outlines.append(shapely.union_all(blocks[start : start + share]))
        start += share
    widest = max(range(len(cells)), key=lambda k: (shares[k], -k))
    first = sum(shares[:widest])
    pond = _pond(blocks[first + shares[widest] // 2], rng)
    outlines[widest] = outlines[widest].difference(pond)
    features = [
        _feature(
            {
                "cell": cell["id"],
                "name": cell["name"],
                "police_grid": cell["police_grid"],
                "community": cell["community"],
            },
            outline,
        )
        for cell, outline in zip(cells, outlines, strict=True)
    ]
    boundary = shapely.union_all(outlines)
    features.insert(
        0,
        _feature(
            {"kind": "station", "station": station["station"]["id"], "name": "庙山派出所辖区"},
            boundary,
        ),
    )
    document = {
        "type": "FeatureCollection",
        "name": "miaoshan-cells",
        "coordinate_system": "wgs84",
        "note": "synthetic geometry generated by tools/make_miaoshan_geojson.py; not a survey",
        "features": [],
    }
    head = json.dumps(document, ensure_ascii=False, separators=(",", ":"))[: -len("[]}")]
    rows = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    return f"{head}[\n{rows}\n]}}\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, compare) the shipped cell map.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0, or 1 when ``--check`` finds the shipped file out of date.
    """
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in args:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        return 0 if current == text else 1
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
