"""Export holds and retractions (issue 29 items 2-3): one migration step on both stores.

(Owned by the export work; filled in there.)
"""
from __future__ import annotations

EXPORT_HOLD_TABLES = """
"""
