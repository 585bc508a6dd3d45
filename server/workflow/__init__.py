"""The 差评 workflow: working days, cases, appeals and exclusion, unrated defaults (issue 11)."""
