"""The monthly assessment (考核) of window units (issue 28): its own room.

- model.py        the shapes every part shares: a scheme and a month's result (the contract)
- tables.py       schemes (versioned by month, per region or hall) and closed results
- inspection_tables.py / inspections.py   督察 records: deductions, bonuses, vetoes, contests
- scheme.py, presets/   a scheme as data (validated), the three shipped presets
- metrics.py, score.py, awards.py, results.py   what a month's data scores, flags and awards
Imports point down: server.assess may use server.db, server.workflow and server.facts; the
console and the CLI use server.assess.
"""
