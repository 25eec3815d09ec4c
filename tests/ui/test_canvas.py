"""The canvas wrapper's conversions, on synthetic canvas output (the component needs a browser)."""
import numpy as np

from ui.canvas import CanvasGeometry, labels_from_rgba, mask_from_rgba, points_from_json, rect_from_json


def test_geometry_fits_display_width():
    geometry = CanvasGeometry.fit((1024, 2048), max_width=512)
    assert (geometry.display_height, geometry.display_width) == (256, 512)
    assert geometry.scale_x == 4 and geometry.scale_y == 4
    small = CanvasGeometry.fit((100, 200), max_width=512)
    assert small.scale_x == 1


def test_mask_is_returned_in_source_pixels():
    geometry = CanvasGeometry.fit((400, 800), max_width=400)  # displayed at half size
    rgba = np.zeros((200, 400, 4), np.uint8)
    rgba[50:60, 100:150] = (255, 0, 0, 255)
    mask = mask_from_rgba(rgba, geometry)
    assert mask.shape == (400, 800) and mask.dtype == bool
    rows, cols = np.nonzero(mask)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (100, 119, 200, 299)


def test_empty_canvas_gives_empty_mask():
    geometry = CanvasGeometry.fit((64, 64))
    assert not mask_from_rgba(None, geometry).any()
    assert not mask_from_rgba(np.zeros((64, 64, 4), np.uint8), geometry).any()


def test_scribbles_become_labels_by_colour():
    geometry = CanvasGeometry.fit((100, 100))
    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[10:20, 10:20] = (250, 60, 50, 255)  # close to the first colour (red)
    rgba[70:80, 70:80] = (50, 200, 90, 255)  # close to the second (green)
    rgba[40:45, 40:45] = (50, 200, 90, 40)  # faint anti-aliased edge: ignored
    labels = labels_from_rgba(rgba, geometry, ("#ff3b30", "#34c759"))
    assert labels.dtype == np.int32
    assert set(np.unique(labels)) == {0, 1, 2}
    assert (labels[10:20, 10:20] == 1).all() and (labels[70:80, 70:80] == 2).all() and labels[42, 42] == 0


def test_points_and_rect_scale_to_source():
    geometry = CanvasGeometry.fit((200, 400), max_width=200)  # scale 2
    json_data = {"objects": [
        {"type": "circle", "left": 10, "top": 20, "radius": 3, "originX": "center", "originY": "center"},
        {"type": "Rect", "left": 5, "top": 10, "width": 50, "height": 20, "scaleX": 1, "scaleY": 1},
        {"type": "Rect", "left": 150, "top": 80, "width": 100, "height": 100, "scaleX": 1, "scaleY": 1},
    ]}
    assert points_from_json(json_data, geometry) == [(20.0, 40.0)]
    # the last rectangle wins, clipped to the image
    assert rect_from_json(json_data, geometry) == (300, 160, 100, 40)
    assert rect_from_json({"objects": []}, geometry) is None
    assert points_from_json(None, geometry) == []


def test_every_rectangle_in_drawing_order():
    from ui.canvas import rects_from_json

    geometry = CanvasGeometry.fit((200, 400), max_width=200)  # scale 2
    json_data = {"objects": [
        {"type": "Rect", "left": 5, "top": 10, "width": 50, "height": 20, "scaleX": 1, "scaleY": 1},
        {"type": "Path", "path": []},
        {"type": "Rect", "left": 150, "top": 80, "width": 100, "height": 100, "scaleX": 1, "scaleY": 1},
    ]}
    assert rects_from_json(json_data, geometry) == [(10, 20, 100, 40), (300, 160, 100, 40)]
    assert rects_from_json(None, geometry) == []
