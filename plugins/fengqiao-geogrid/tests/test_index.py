"""The bucket index answers exactly what a raw STRtree query with the border rule answers."""

import numpy as np
import pytest
import shapely
from fengqiao_geogrid.cells import load_cell_map
from fengqiao_geogrid.index import PointIndex


def raw_answer(geoms, x, y):
    """The smallest index of the polygons covering each point, by brute STRtree query."""
    tree = shapely.STRtree(geoms)
    inputs, hits = tree.query(shapely.points(x, y), predicate="intersects")
    found = np.full(x.size, len(geoms))
    np.minimum.at(found, inputs, hits)
    return found


def awkward_points(geoms, count, seed):
    """Random points over the extent, plus every vertex and every edge midpoint of the cells."""
    rng = np.random.default_rng(seed)
    west, south, east, north = shapely.total_bounds(geoms)
    x = rng.uniform(west - 0.001, east + 0.001, count)
    y = rng.uniform(south - 0.001, north + 0.001, count)
    vertices = shapely.get_coordinates(geoms)
    middles = (vertices[:-1] + vertices[1:]) / 2
    return np.concatenate([x, vertices[:, 0], middles[:, 0]]), np.concatenate(
        [y, vertices[:, 1], middles[:, 1]]
    )


def test_on_the_miaoshan_map_including_every_vertex_and_edge_midpoint(miaoshan_map):
    geoms = [s.geometry for s in sorted(load_cell_map(miaoshan_map).cells, key=lambda s: s.code)]
    x, y = awkward_points(geoms, 50_000, seed=1)
    assert np.array_equal(PointIndex(geoms).locate(x, y), raw_answer(geoms, x, y))


def test_crowded_buckets_fall_back_to_the_tree():
    # One huge cell and 40 tiny ones in one corner: the corner's buckets are crowded.
    huge = shapely.box(100.0, 20.0, 120.0, 40.0)
    tiny = [shapely.box(100 + i * 1e-4, 20.0, 100 + (i + 1) * 1e-4, 20.0001) for i in range(40)]
    geoms = [*tiny, huge]
    index = PointIndex(geoms)
    x = np.concatenate([np.linspace(100.0, 100.004, 2_001), np.linspace(99, 121, 1_000)])
    y = np.concatenate([np.full(2_001, 20.00005), np.linspace(19, 41, 1_000)])
    found = index.locate(x, y)
    assert np.array_equal(found, raw_answer(geoms, x, y))
    assert set(found[:2_001].tolist()) == set(range(40))  # the tiny cells win over the huge one
    assert (index._answer == -2).any()


@pytest.mark.parametrize("shape", ["overlap", "hole", "empty"])
def test_overlaps_holes_and_no_cells(shape):
    if shape == "empty":
        assert PointIndex([]).locate(np.array([1.0]), np.array([2.0])).tolist() == [0]
        return
    a = shapely.box(0, 0, 2, 2)
    if shape == "overlap":
        geoms = [shapely.box(1, 1, 3, 3), a]
    else:
        geoms = [shapely.box(0, 0, 2, 2).difference(shapely.box(0.5, 0.5, 1.5, 1.5))]
    x, y = awkward_points(geoms, 20_000, seed=2)
    assert np.array_equal(PointIndex(geoms).locate(x, y), raw_answer(geoms, x, y))
