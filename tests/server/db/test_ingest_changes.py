"""An upload's rows handed to the hooks as lists read the same as the same rows as dicts."""
from server.db.ratings import COLUMNS, IngestChanges
from server.db.rollups import FIELDS, columns
from server.workflow.cases import bad_rows


def _rows() -> list[list]:
    out = []
    for i, level in enumerate([5, 1, 4, 2, 0]):
        row = {c: None for c in COLUMNS}
        row.update(uuid=f"u{i}", level=level, reasons='["slow"]' if level in (1, 2) else "[]",
                   window=3, device_id="d1", corrected_at=f"2026-05-01T{15 + i:02d}:00:00.000Z",
                   case_key=f"k{i}", source="kiosk", superseded=0)
        out.append([row[c] for c in COLUMNS])
    return out


def test_rows_as_lists_read_as_the_same_rows_as_dicts():
    rows = _rows()
    as_lists = IngestChanges(rows=rows)
    as_dicts = IngestChanges(counted=[dict(zip(COLUMNS, r)) for r in rows])
    assert as_lists.size() == as_dicts.size() == 5
    for name in COLUMNS:
        assert as_lists.column(name) == as_dicts.column(name)
    assert as_lists.picks([3, 1]) == as_dicts.picks([3, 1])
    assert [r["uuid"] for r in bad_rows(as_lists)] == ["u1", "u3"] == \
        [r["uuid"] for r in bad_rows(as_dicts)]
    assert [as_lists.column(f) for f in FIELDS] == columns(as_dicts.counted)
    assert as_lists.counted == as_dicts.counted


def test_no_rows_means_nothing_counted():
    empty = IngestChanges()
    assert (empty.size(), empty.counted, empty.column("uuid"), empty.uncounted) == (0, [], [], [])
