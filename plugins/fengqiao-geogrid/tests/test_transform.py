"""GCJ-02 ↔ WGS-84 on columns: published pairs both ways, round trips, identity outside China."""

import math

import numpy as np
import pytest
from fengqiao_geogrid.transform import gcj02_to_wgs84, in_china, to_wgs84, wgs84_to_gcj02

from fengqiao_core.model import CoordinateSystem
from fengqiao_core.model import geo as core_geo

# (WGS-84 lon, lat) -> (GCJ-02 lon, lat) as published with open-source converters' tests:
# wandergis/coordtransform (Beijing, also in hutool's CoordinateUtilTest), a Shanghai-area pair
# of a geotool CLI test, a pair at 40 N 116 E of a Python geo toolbox, and hujiulong/gcoord's
# GCJ-02 -> WGS-84 pair at 123 E 45 N (given to 5 decimals).
PUBLISHED = [
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164), 1e-9),
    ((121.0917077, 30.6107779), (121.09626935575027, 30.608604331756705), 1e-6),
    ((116.0, 40.0), (116.006141221789, 40.001213650174), 1e-7),
    ((122.99395597, 44.99804071), (123.0, 45.0), 5e-6),
]


def metres(lon1, lat1, lon2, lat2):
    """Equirectangular distance in metres (exact enough for sub-metre differences)."""
    k = math.pi / 180 * 6371008.8
    return np.hypot((lon2 - lon1) * k * np.cos(np.radians(lat1)), (lat2 - lat1) * k)


@pytest.mark.parametrize(("wgs", "gcj", "tolerance"), PUBLISHED)
def test_forward_matches_published_pairs(wgs, gcj, tolerance):
    lons, lats = wgs84_to_gcj02([wgs[0]], [wgs[1]])
    assert lons[0] == pytest.approx(gcj[0], abs=tolerance)
    assert lats[0] == pytest.approx(gcj[1], abs=tolerance)


@pytest.mark.parametrize(("wgs", "gcj", "tolerance"), PUBLISHED)
def test_inverse_matches_published_pairs(wgs, gcj, tolerance):
    lons, lats = gcj02_to_wgs84([gcj[0]], [gcj[1]])
    assert lons[0] == pytest.approx(wgs[0], abs=tolerance)
    assert lats[0] == pytest.approx(wgs[1], abs=tolerance)


def china_sample(size=20_000, seed=7):
    rng = np.random.default_rng(seed)
    return rng.uniform(73.5, 134.8, size), rng.uniform(18.2, 53.5, size)


def test_round_trips_stay_under_a_metre_in_china():
    lons, lats = china_sample()
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lons, lats))
    assert metres(lons, lats, *back).max() < 1.0
    gcj = wgs84_to_gcj02(*gcj02_to_wgs84(lons, lats))
    assert metres(lons, lats, *gcj).max() < 1.0


def test_the_shift_is_real_inside_china():
    lons, lats = china_sample(2_000)
    shifted = wgs84_to_gcj02(lons, lats)
    moved = metres(lons, lats, *shifted)
    assert moved.min() > 1.0
    assert moved.max() < 1_000.0


def test_identity_outside_china():
    lons = np.array([0.0, -73.98, 151.2, 114.38, 139.69, 72.0, 138.0])
    lats = np.array([0.0, 40.75, -33.9, -30.42, 35.69, 30.0, 56.0])
    assert not in_china(lons, lats).any()
    for convert in (wgs84_to_gcj02, gcj02_to_wgs84):
        out_lon, out_lat = convert(lons, lats)
        assert np.array_equal(out_lon, lons)
        assert np.array_equal(out_lat, lats)


def test_mixed_columns_convert_only_the_points_in_china():
    lons, lats = np.array([114.4, 0.0, 116.404]), np.array([30.45, 0.0, 39.915])
    out_lon, out_lat = wgs84_to_gcj02(lons, lats)
    assert (out_lon[1], out_lat[1]) == (0.0, 0.0)
    assert out_lon[0] != 114.4
    assert out_lon[2] == pytest.approx(116.41024449916938, abs=1e-9)


def test_agrees_with_the_cores_one_point_transform():
    lons, lats = china_sample(500, seed=3)
    fwd = wgs84_to_gcj02(lons, lats)
    inv = gcj02_to_wgs84(lons, lats)
    for k in range(lons.size):
        assert core_geo.wgs84_to_gcj02(lons[k], lats[k]) == pytest.approx(
            (fwd[0][k], fwd[1][k]), abs=1e-12
        )
        assert core_geo.gcj02_to_wgs84(lons[k], lats[k]) == pytest.approx(
            (inv[0][k], inv[1][k]), abs=1e-9
        )


def test_a_point_converts_the_same_alone_or_in_a_batch():
    lons, lats = china_sample(300, seed=11)
    batch = gcj02_to_wgs84(lons, lats)
    for k in range(0, 300, 37):
        alone = gcj02_to_wgs84(lons[k : k + 1], lats[k : k + 1])
        assert (alone[0][0], alone[1][0]) == (batch[0][k], batch[1][k])


def test_inputs_are_not_modified_and_empty_columns_work():
    lons, lats = np.array([114.4]), np.array([30.45])
    gcj02_to_wgs84(lons, lats)
    wgs84_to_gcj02(lons, lats)
    assert (lons[0], lats[0]) == (114.4, 30.45)
    assert gcj02_to_wgs84([], [])[0].size == 0


def test_to_wgs84_converts_only_gcj02():
    lons, lats = np.array([114.4]), np.array([30.45])
    assert to_wgs84(lons, lats, CoordinateSystem.WGS84) == (lons, lats)
    out_lon, _ = to_wgs84(lons, lats, CoordinateSystem.GCJ02)
    assert out_lon[0] != 114.4
