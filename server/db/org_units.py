"""Window units (窗口单位): the departments stationed in a hall, first-class (issue 28 item 1).

A department is (hall_id, name) as before, now with its 统一社会信用代码 (GB 32100-2015,
18 characters, check digit verified; '' when not known yet).
"""
from __future__ import annotations

UNIT_TABLES = """
    ALTER TABLE departments ADD COLUMN credit_code TEXT NOT NULL DEFAULT ''
"""
