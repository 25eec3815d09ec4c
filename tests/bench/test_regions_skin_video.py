"""The Regions, skin & video speed probe runs end to end and reports sensible numbers."""
from bench.regions_skin_video import run


def test_probe_reports_every_method():
    rows = run(size=96, repeat=1)
    tasks = {row["task"] for row in rows}
    assert tasks == {"components", "skin", "background_subtraction", "outliers"}
    counts = {row["quality"] for row in rows if row["task"] == "components"}
    assert len(counts) == 1  # the three libraries agree
    assert all(row["quality"] > 0.8 for row in rows if row["task"] == "background_subtraction"
               and row["method"] in ("mog2", "knn"))
    assert all(row["seconds"] is None or row["seconds"] >= 0 for row in rows)
