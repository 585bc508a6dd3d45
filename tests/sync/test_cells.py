"""sync.wire.cells: the quote the writers add is exactly the quote the importers take off."""
import pytest

from sync.wire.cells import cell, read_cell

TEXTS = ['=HYPERLINK("http://evil.example/x","详情")', "+86 10 1234", "-2-3", "@SUM(A1)",
         "\tx", "\rx", "'=x", "''=x", "'abc", "''abc", "张三", "", "a=b", "-", "'", "-3e5"]


@pytest.mark.parametrize("text", TEXTS)
def test_every_text_round_trips_and_none_opens_as_a_formula(text):
    written = cell(text)
    assert read_cell(written) == text
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("value", [-3, -0.5, 2, 0, "-3", "+3", "-0.5", "42", None, True])
def test_numbers_stay_numbers(value):
    assert cell(value) == value and read_cell(cell(value)) == value
