"""ingest/geometry.py: the one rule for 'is this inside that box', on hand-made boxes."""
from __future__ import annotations

from dataclasses import dataclass

from ingest import BBox, centre_inside
from ingest.geometry import centre, edges


@dataclass
class Run:
    x0: float
    top: float
    x1: float
    bottom: float


def test_a_glyph_straddling_a_border_belongs_to_the_side_holding_its_centre():
    glyph = {"x0": 98.0, "top": 10.0, "x1": 106.0, "bottom": 20.0}      # centre x = 102
    left, right = (0.0, 0.0, 100.0, 50.0), (100.0, 0.0, 200.0, 50.0)
    assert centre(glyph) == (102.0, 15.0)
    assert not centre_inside(glyph, left)
    assert centre_inside(glyph, right)


def test_pad_grows_the_box_on_every_side():
    run = Run(201.0, 60.0, 203.0, 62.0)                                  # centre (202, 61)
    box = (0.0, 0.0, 200.0, 60.0)
    assert not centre_inside(run, box)
    assert not centre_inside(run, box, pad=1.5)
    assert centre_inside(run, box, pad=2.0)


def test_records_dicts_and_tuples_have_the_same_edges():
    box = BBox(1.0, 2.0, 3.0, 4.0)
    assert edges(box) == edges({"x0": 1.0, "top": 2.0, "x1": 3.0, "bottom": 4.0}) == (1.0, 2.0, 3.0, 4.0)
    assert centre_inside((1.5, 2.5, 2.5, 3.5), box)
