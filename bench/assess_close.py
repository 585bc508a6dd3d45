"""Closing a month's assessment (issue 28: 1,000 window units, 100,000 督察 records, a year of
ratings and service events: under 2 s on both stores), beside a floor measured in the same
run, on SQLite or PostgreSQL.

    .venv/bin/python bench/assess_close.py [--units 1000] [--records 100000] [--months 12]
                                           [--db postgresql://...] [--repeat 5]

Loads the region of bench/assess_data.py (the data bench/assess_gather.py times gather() on:
roll-ups, window facts, 差评 cases, appeals and 督察 records), sets the 上街-style preset on
the region with items for the records' kinds, 驻马店's flags and 济宁's staff points, then,
--repeat times each, alternating:
  close   server/assess/results.close() of the region for the last full month, forced (the
          data has contested records; the frozen row is deleted between runs): gather, score
          every unit and staff member, flags and awards, freeze the result, audit;
  gather  metrics.gather() alone (the close's reading: the rest is the engine's own);
  floor   bench/assess_gather.py's floor: the same rows by plain SELECTs in one read
          transaction, fetched and nothing else.
Last line: the close's p50 against the 2 s goal, over the floor's p50, and the same ratio in
this process's CPU time (steadier than the wall clock on a shared machine).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.assess_data import bench_args, load, timed  # noqa: E402
from bench.assess_gather import floor  # noqa: E402
from bench.common import pct  # noqa: E402

from server.assess import metrics, results, scheme, store as assess_store  # noqa: E402

GOAL_MS = 2000.0
# bench/assess_data.py's record items, placed in the 上街 sheet's aspects
RECORD_ITEMS = [("empty", "discipline", "窗口空岗", -2), ("late", "discipline", "迟到早退", -1),
                ("dress", "conduct", "着装不规范", -1), ("phone", "conduct", "玩手机", -2),
                ("notice", "casework", "未执行一次性告知", -5),
                ("attitude", "conduct", "服务态度差", -2), ("praise", "bonus", "表扬", 1),
                ("innovation", "bonus", "创新服务", 2)]


def bench_scheme() -> dict:
    body = scheme.preset("shangjie").to_dict()
    body["aspects"].append({"key": "bonus", "label": "加分项", "points": 5})
    body["items"] += [{"key": key, "aspect": aspect, "label": label,
                       "kind": "bonus" if points > 0 else "deduction", "points": points,
                       "cap": 10} for key, aspect, label, points in RECORD_ITEMS]
    body["empty_item"] = "empty"
    body["awards"].update(red=3, black=3)            # and flags, as 驻马店 gives them
    body["staff"] = scheme.preset("jining").to_dict()["staff"]
    return body


def main() -> int:
    args = bench_args(__doc__, "bench_assess_close", 5)

    def with_scheme(store, info):
        with store.transaction() as tx:
            assess_store.set_scheme(tx, info["region"], f"{info['first'].year - 1}-01",
                                    bench_scheme(), "bench")

    store, tmp, info = load(args, with_scheme)
    region, halls, first, last = info["region"], info["halls"], info["first"], info["last"]
    month = f"{last:%Y-%m}"
    got: dict = {}

    def close():
        with store.transaction() as tx:
            tx.q("DELETE FROM assess_results WHERE scope = ? AND period = ?", [region, month])
        got["result"] = results.close(store, region, month, "基准", "bench", force=True)

    runs = {"close": close, "gather": lambda: metrics.gather(store, halls, first, last),
            "floor": lambda: floor(store, halls, first, last)}
    for fn in runs.values():
        fn()  # warm-up
    times, cpu = timed(runs, args.repeat)
    for name, values in times.items():
        print(f"{name:>6}: p50 {pct(values, 50):8.1f} ms  max {max(values):8.1f} ms  "
              f"this process's CPU p50 {pct(cpu[name], 50):8.1f} ms")
    result = got["result"]
    print(f"  {month}: {len(result.units):,} units scored, {len(result.staff):,} staff, "
          f"{sum(u.flag == 'red' for u in result.units)} red / "
          f"{sum(u.flag == 'black' for u in result.units)} black, "
          f"{sum(u.quality for u in result.units)} 优质服务窗口, {result.pending_contests} "
          f"contested records counted; frozen JSON {len(result.to_json()) / 1e6:.1f} MB")
    took, base = pct(times["close"], 50), pct(times["floor"], 50)
    tc, fc = pct(cpu["close"], 50), pct(cpu["floor"], 50)
    print(f"{store.kind} close of {args.units:,} units, {args.records:,} records, "
          f"{args.months} months: p50 {took:.0f} ms ({'within' if took < GOAL_MS else 'OVER'} "
          f"the {GOAL_MS:.0f} ms goal), {took / base:.1f}x the SELECT floor ({base:.0f} ms); "
          f"CPU {tc / fc:.1f}x")
    store.close()
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
