"""Deliberately broken grid, volunteer and channel backends: each must fail its contract.

``CORRECT_*`` are the controls they are built from, which must pass; ``BROKEN_*`` maps a
mistake to the backend and to the contract test expected to catch it.
"""

import math
import threading
from zoneinfo import ZoneInfo

from fengqiao_core.builtin.declared_grid import DeclaredGrid
from fengqiao_core.errors import ValidationError
from fengqiao_core.model.geo import distance_m, to_wgs84
from fengqiao_core.ports import DeliveryResult

# --- grids -----------------------------------------------------------------------------------


class CheckedGrid(DeclaredGrid):
    """The declared grid refusing bad columns, as the contract asks."""

    def locate(self, lons, lats, crs):
        lons, lats = list(lons), list(lats)
        if len(lons) != len(lats):
            raise ValidationError("lats", f"{len(lats)} latitudes for {len(lons)} longitudes")
        for field, values, bound in (("lons", lons, 180.0), ("lats", lats, 90.0)):
            if not all(math.isfinite(v) and -bound <= v <= bound for v in values):
                raise ValidationError(field, f"a value is not a number within ±{bound:g}")
        return super().locate(lons, lats, crs)


class MadeUpBorderGrid(CheckedGrid):
    """Answers a point about as near to two cells as ``"A|B"``."""

    def locate(self, lons, lats, crs):
        found = super().locate(lons, lats, crs)
        return [
            self._border(x, y, crs) or cell for x, y, cell in zip(lons, lats, found, strict=False)
        ]

    def _border(self, lon, lat, crs):
        lon, lat = to_wgs84(lon, lat, crs)
        bx, by = self._bucket(lon, lat)
        near = sorted(
            (distance_m(lon, lat, x, y), cell)
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for x, y, cell in self._buckets.get((bx + dx, by + dy), ())
        )
        if len(near) > 1 and near[0][1] != near[1][1] and near[1][0] - near[0][0] < 1.0:
            return f"{near[0][1]}|{near[1][1]}"
        return None


class BigBatchGrid(CheckedGrid):
    """Answers batches of over 2,000 points sorted, not in input order."""

    def locate(self, lons, lats, crs):
        found = super().locate(lons, lats, crs)
        return sorted(found, key=lambda c: c or "") if len(found) > 2000 else found


class LonelyGrid(CheckedGrid):
    """``neighbours`` is always empty."""

    def neighbours(self, cell_id):
        return []


class UncheckedGrid(DeclaredGrid):
    """Answers ``None`` for bad coordinates and pairs unequal columns as far as they go."""

    def locate(self, lons, lats, crs):
        return [
            None
            if not (math.isfinite(x) and math.isfinite(y))
            else self._nearest(*to_wgs84(x, y, crs))
            for x, y in zip(lons, lats, strict=False)
        ]


class FewCellsGrid(CheckedGrid):
    """``cells()`` lists only the cells some place is located in."""

    def cells(self):
        used = {cell for bucket in self._buckets.values() for _, _, cell in bucket}
        return [cell for cell in super().cells() if cell.id in used][:-1]


class PointPlaceGrid(CheckedGrid):
    """``cell_of_place`` locates the place's point instead of reading its declaration."""

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self._points = {p.id: p.point for p in config.places if p.point is not None}

    def cell_of_place(self, place_id):
        point = self._points.get(place_id)
        if point is None:
            return super().cell_of_place(place_id)
        return self.locate([point.lon], [point.lat], point.crs)[0]


CORRECT_GRIDS = {"checked_grid": CheckedGrid}
BROKEN_GRIDS = {
    "border_answer_made_up": (MadeUpBorderGrid, "test_border_points_land_in_declared_cells"),
    "big_batches_out_of_order": (BigBatchGrid, "test_big_batches_keep_input_order"),
    "neighbours_always_empty": (LonelyGrid, "test_some_cells_have_neighbours"),
    "bad_coordinates_accepted": (UncheckedGrid, "test_bad_coordinates_are_refused"),
    "cells_lists_some": (FewCellsGrid, "test_cells_lists_every_declared_cell"),
    "place_cell_from_point": (
        PointPlaceGrid,
        "test_a_place_keeps_its_declared_cell_wherever_its_point_lies",
    ),
}

# --- volunteers ------------------------------------------------------------------------------


class BruteVolunteers:
    """Correct by brute force: exact community, every skill, the window to the minute."""

    def __init__(self, stewards, zone="Asia/Shanghai"):
        self._stewards = list(stewards)
        self._zone = ZoneInfo(zone)
        self._loads = {}
        self._lock = threading.Lock()

    def _community(self, steward, community):
        return steward.community == community

    def _available(self, steward, local):
        return steward.available_at(local)

    def candidates(self, community, skills, at, limit=5):
        local = at.astimezone(self._zone)
        found = [
            s
            for s in self._stewards
            if self._community(s, community)
            and set(skills) <= set(s.skills)
            and self._available(s, local)
        ]
        found.sort(key=lambda s: (self.load(s.id), s.id))
        return found[:limit]

    def record_assignment(self, steward_id):
        with self._lock:
            self._loads[steward_id] = self._loads.get(steward_id, 0) + 1
            return self._loads[steward_id]

    def load(self, steward_id):
        return self._loads.get(steward_id, 0)


class HourlyVolunteers(BruteVolunteers):
    """Checks availability windows to the hour only."""

    def _available(self, steward, local):
        return any(
            w.weekday == local.weekday() and w.start.hour <= local.hour < w.end.hour
            for w in steward.availability
        )


class PrefixVolunteers(BruteVolunteers):
    """Matches communities by prefix: ``C1`` also finds ``C10``."""

    def _community(self, steward, community):
        return steward.community.startswith(community)


CORRECT_VOLUNTEERS = {"brute_volunteers": BruteVolunteers}
BROKEN_VOLUNTEERS = {
    "windows_to_the_hour": (HourlyVolunteers, "test_windows_are_kept_to_the_minute"),
    "communities_by_prefix": (PrefixVolunteers, "test_communities_are_matched_exactly"),
}

# --- channels --------------------------------------------------------------------------------


class SinkChannel:
    """Delivers into a recording sink; fails, reporting it, when given no sink."""

    def __init__(self, sink=None):
        self._sink = sink
        self._sent = 0
        self._lock = threading.Lock()

    def _deliver(self, message, number):
        self._sink.record(message)

    def send(self, message):
        if self._sink is None:
            return DeliveryResult(False, "no sink configured", retry=False)
        with self._lock:
            self._sent += 1
            number = self._sent
        self._deliver(message, number)
        return DeliveryResult(True, "recorded")


class DroppingChannel(SinkChannel):
    """Loses every seventh message while reporting it delivered."""

    def _deliver(self, message, number):
        if number % 7:
            super()._deliver(message, number)


class DoublingChannel(SinkChannel):
    """Delivers every seventh message twice."""

    def _deliver(self, message, number):
        super()._deliver(message, number)
        if number % 7 == 0:
            super()._deliver(message, number)


CORRECT_CHANNELS = {"sink_channel": SinkChannel}
BROKEN_CHANNELS = {
    "drops_messages": (DroppingChannel, "test_every_delivered_message_arrives_exactly_once"),
    "doubles_messages": (DoublingChannel, "test_every_delivered_message_arrives_exactly_once"),
}
