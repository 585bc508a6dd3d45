"""Facts from service events (issue 27): what happened at each window, per local day.

hours.py    hall hours (per hall, region or everywhere; default file hours_default.json)
derive.py   one window-day's facts from its events (pure)
summary.py  facts of many days summed per hall, window, staff member or day (pure)
refresh.py  window_facts kept in step with service_events (late arrivals by received_at)
notes.py    a supervisor's audited note on a 空岗 interval
tables.py   the tables (one migration step on both stores)
"""
