"""An assessment scheme (考核方案) as data: read from a dict (a JSON file), checked, frozen.

A scheme says how a period's window units are scored and awarded:

- base / maximum / minimum: a unit starts at `base`; its score is kept within [minimum,
  maximum]; a veto item that hits makes it ineligible for awards, or scores it 0
  (veto = "ineligible" | "zero").
- aspects: {key, label, points}: `points` is the most the aspect's deductions can take (and
  the most its bonuses can add).
- items: {key, aspect, label, kind}:
    metric     computed from the server's data (`metric` one of METRICS) by a `rule`:
               {"per_unit": p, "cap": c} (p points per unit of the value, at most c either
               way) or {"linear": [[x0, p0], [x1, p1]], "cap": c} (p0 at or below x0, p1 at
               or above x1, a straight line between);
    deduction  `points` (negative) per occurrence a 督察 record counts, at most `cap` in all;
    bonus      `points` (positive) per occurrence, at most `cap`;
    veto       no points: one occurrence is a veto (否决项).
- awards: red / black (红旗 top N, 黑旗 bottom N), quality (优质服务窗口: at most `max`, score
  at least `min_score`), model_staff (服务标兵 per quarter: at most `max`), warnings (通报 after
  `notice_after`, 约谈 after `talk_after` periods running at the bottom), period ('month' or
  'quarter': which results carry red, black and quality).
- staff: points per good and per bad rating, the pay band in yuan and yuan per point.
- office: the issuing office (发文单位) the published notice names (optional).
- contest_days: working days a unit may contest a 督察 record; empty_item: the deduction item a
  空岗 interval becomes.

Errors are SchemeError: the path of the field ("items[3].rule.per_unit") and an English msgid
with its values; text(gettext) gives it in the reader's language.
"""
from __future__ import annotations

import json
from pathlib import Path
from dataclasses import asdict, dataclass

from sync.wire.labels import N_

METRICS = ("rated", "satisfaction", "participation", "bad", "bad_on_time", "appeals_upheld",
           "handled", "handling_median_s", "empty", "late")
KINDS = ("metric", "deduction", "bonus", "veto")
PERIODS = ("month", "quarter")
VETO_EFFECTS = ("ineligible", "zero")


class SchemeError(ValueError):
    """A scheme the rules refuse: where (path) and why (an English msgid and its values)."""

    def __init__(self, path: str, msgid: str, **values):
        self.path, self.msgid, self.values = path, msgid, values
        super().__init__(self.text(lambda m: m))

    def text(self, gettext) -> str:
        message = gettext(self.msgid).format(**self.values)
        return f"{self.path}: {message}" if self.path else message


@dataclass(frozen=True)
class Source:
    title: str
    issuer: str
    date: str
    url: str = ""

    def __str__(self) -> str:
        return f"《{self.title}》 {self.issuer} {self.date}".strip()


@dataclass(frozen=True)
class Aspect:
    key: str
    label: str
    points: float


@dataclass(frozen=True)
class Rule:
    per_unit: float | None = None
    linear: tuple[tuple[float, float], tuple[float, float]] | None = None
    cap: float | None = None

    def raw(self, value: float) -> float:
        """The points before the cap."""
        if self.per_unit is not None:
            return self.per_unit * value
        (x0, p0), (x1, p1) = sorted(self.linear)
        if value <= x0:
            return p0
        if value >= x1:
            return p1
        return p0 + (p1 - p0) * (value - x0) / (x1 - x0)

    def points(self, value: float) -> float:
        got = self.raw(value)
        if self.cap is not None:
            got = max(-self.cap, min(self.cap, got))
        return got


@dataclass(frozen=True)
class Item:
    key: str
    aspect: str
    label: str
    kind: str
    metric: str | None = None
    rule: Rule | None = None
    points: float = 0.0          # per occurrence (deduction < 0, bonus > 0)
    cap: float | None = None     # the most the item takes (or adds) in a period


@dataclass(frozen=True)
class Quality:
    max: int
    min_score: float


@dataclass(frozen=True)
class ModelStaff:
    max: int
    min_rated: int = 0


@dataclass(frozen=True)
class Warnings:
    notice_after: int = 2
    talk_after: int = 3


@dataclass(frozen=True)
class Awards:
    red: int = 3
    black: int = 3
    quality: Quality | None = None
    model_staff: ModelStaff | None = None
    warnings: Warnings = Warnings()
    min_rated: int = 0           # fewer rated cases in the period: not eligible for red/quality


@dataclass(frozen=True)
class StaffRule:
    good: float
    bad: float
    pay_band: tuple[int, int] = (-300, 300)
    yuan_per_point: float = 10.0

    def pay(self, total: float) -> int:
        low, high = self.pay_band
        return int(max(low, min(high, round(total * self.yuan_per_point))))


@dataclass(frozen=True)
class Scheme:
    name: str
    source: Source
    base: float
    maximum: float
    minimum: float
    period: str
    veto: str
    aspects: tuple[Aspect, ...]
    items: tuple[Item, ...]
    awards: Awards
    staff: StaffRule | None = None
    contest_days: int = 3
    empty_item: str | None = None
    notes: tuple[str, ...] = ()
    office: str = ""             # the issuing office (发文单位) the published notice names

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)

    def aspect(self, key: str) -> Aspect | None:
        return next((a for a in self.aspects if a.key == key), None)

    def to_dict(self) -> dict:
        """The scheme as data again (from_dict(s.to_dict()) == s): None and the fields an
        item's kind does not use are left out."""
        data = json.loads(json.dumps(asdict(self)))
        for item in data["items"]:
            if item["kind"] != "metric":
                item.pop("metric"), item.pop("rule")
            if item["kind"] not in ("deduction", "bonus"):
                item.pop("points"), item.pop("cap")
        return _drop_none(data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)


def _drop_none(value):
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


# -- reading ----------------------------------------------------------------------------------
class _Reader:
    """One object being read: its fields taken one by one, each error naming its path."""

    def __init__(self, data, path: str):
        if not isinstance(data, dict):
            raise SchemeError(path, N_("an object is expected"))
        self.data, self.path, self.seen = data, path, set()

    def at(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def raw(self, name: str, default=KeyError):
        self.seen.add(name)
        if name not in self.data or self.data[name] is None:
            if default is KeyError:
                raise SchemeError(self.at(name), N_("this field is required"))
            return default
        return self.data[name]

    def text(self, name: str, default=KeyError, max_len: int = 200) -> str:
        value = self.raw(name, default)
        if not isinstance(value, str) or (default is KeyError and not value.strip()):
            raise SchemeError(self.at(name), N_("a text is expected"))
        if len(value) > max_len:
            raise SchemeError(self.at(name), N_("at most {n} characters"), n=max_len)
        return value.strip()

    def number(self, name: str, default=KeyError, low: float | None = None,
               high: float | None = None) -> float:
        value = self.raw(name, default)
        return None if value is None else _number(value, self.at(name), low, high)

    def whole(self, name: str, default=KeyError, low: int = 0, high: int = 1000) -> int:
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SchemeError(self.at(name), N_("a whole number is expected"))
        if not low <= value <= high:
            raise SchemeError(self.at(name), N_("must be {low} to {high}"), low=low, high=high)
        return value

    def choice(self, name: str, choices, default=KeyError) -> str:
        value = self.raw(name, default)
        if value not in choices:
            raise SchemeError(self.at(name), N_("must be one of {choices}"),
                              choices=", ".join(choices))
        return value

    def listed(self, name: str, default=KeyError) -> list:
        value = self.raw(name, default)
        if not isinstance(value, list):
            raise SchemeError(self.at(name), N_("a list is expected"))
        return value

    def done(self) -> None:
        extra = sorted(set(self.data) - self.seen)
        if extra:
            raise SchemeError(self.at(extra[0]), N_("unknown field"))


def _number(value, path: str, low=None, high=None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
            or value in (float("inf"), float("-inf")):
        raise SchemeError(path, N_("a number is expected"))
    if low is not None and value < low:
        if high is None:
            raise SchemeError(path, N_("must be at least {low}"), low=low)
        raise SchemeError(path, N_("must be {low} to {high}"), low=low, high=high)
    if high is not None and value > high:
        if low is None:
            raise SchemeError(path, N_("must be at most {high}"), high=high)
        raise SchemeError(path, N_("must be {low} to {high}"), low=low, high=high)
    return float(value)


def _key(r: _Reader, name: str = "key") -> str:
    value = r.text(name, max_len=40)
    if not all(c.isalnum() or c in "_-" for c in value) or not value.isascii():
        raise SchemeError(r.at(name), N_("a key is letters, digits, _ or -"))
    return value


def _source(value, path: str) -> Source:
    r = _Reader(value, path)
    got = Source(r.text("title"), r.text("issuer"), r.text("date", max_len=40),
                 r.text("url", "", max_len=500))
    r.done()
    return got


def _rule(value, path: str) -> Rule:
    r = _Reader(value, path)
    cap = r.number("cap", None, low=0)
    per_unit = r.number("per_unit", None)
    linear = r.raw("linear", None)
    if (per_unit is None) == (linear is None):
        raise SchemeError(path, N_("a rule has either per_unit or linear"))
    if linear is not None:
        if not isinstance(linear, list) or len(linear) != 2:
            raise SchemeError(r.at("linear"), N_("two points [x, points] are expected"))
        pairs = []
        for n, pair in enumerate(linear):
            at = f"{r.at('linear')}[{n}]"
            if not isinstance(pair, list) or len(pair) != 2:
                raise SchemeError(at, N_("two points [x, points] are expected"))
            pairs.append((_number(pair[0], f"{at}[0]"), _number(pair[1], f"{at}[1]")))
        if pairs[0][0] == pairs[1][0]:
            raise SchemeError(r.at("linear"), N_("the two x values must differ"))
        linear = tuple(pairs)
    r.done()
    return Rule(per_unit, linear, cap)


def _item(value, path: str, aspects: set[str]) -> Item:
    r = _Reader(value, path)
    key, aspect = _key(r), r.text("aspect", max_len=40)
    if aspect not in aspects:
        raise SchemeError(r.at("aspect"), N_("no aspect {key}"), key=aspect)
    label, kind = r.text("label"), r.choice("kind", KINDS)
    metric = rule = cap = None
    points = 0.0
    if kind == "metric":
        metric = r.raw("metric")
        if metric not in METRICS:
            raise SchemeError(r.at("metric"), N_("unknown metric {name}; the metrics are "
                                                 "{names}"), name=metric,
                              names=", ".join(METRICS))
        rule = _rule(r.raw("rule"), r.at("rule"))
    elif kind in ("deduction", "bonus"):
        points = r.number("points", high=0) if kind == "deduction" else \
            r.number("points", low=0)
        cap = r.number("cap", None, low=0)
    r.done()
    return Item(key, aspect, label, kind, metric, rule, points, cap)


def _awards(value, path: str) -> Awards:
    r = _Reader(value, path)
    red, black = r.whole("red", 0), r.whole("black", 0)
    quality = model = None
    if r.raw("quality", None) is not None:
        q = _Reader(r.raw("quality"), r.at("quality"))
        quality = Quality(q.whole("max", low=1), q.number("min_score"))
        q.done()
    if r.raw("model_staff", None) is not None:
        m = _Reader(r.raw("model_staff"), r.at("model_staff"))
        model = ModelStaff(m.whole("max", low=1), m.whole("min_rated", 0, high=100000))
        m.done()
    w = _Reader(r.raw("warnings", {}), r.at("warnings"))
    warnings = Warnings(w.whole("notice_after", 2, low=1, high=24),
                        w.whole("talk_after", 3, low=1, high=24))
    if warnings.talk_after < warnings.notice_after:
        raise SchemeError(w.at("talk_after"), N_("must be at least {low}"),
                          low=warnings.notice_after)
    w.done()
    got = Awards(red, black, quality, model, warnings, r.whole("min_rated", 0, high=100000))
    r.done()
    return got


def _staff(value, path: str) -> StaffRule:
    r = _Reader(value, path)
    good, bad = r.number("good", low=0), r.number("bad", high=0)
    band = r.listed("pay_band", [-300, 300])
    if len(band) != 2 or any(isinstance(b, bool) or not isinstance(b, int) for b in band) \
            or not band[0] <= 0 <= band[1]:
        raise SchemeError(r.at("pay_band"), N_("two whole numbers [low, high] of yuan are "
                                               "expected, low <= 0 <= high"))
    got = StaffRule(good, bad, (band[0], band[1]), r.number("yuan_per_point", 10.0, low=0))
    r.done()
    return got


def _unique(rows, path: str) -> None:
    seen = set()
    for n, row in enumerate(rows):
        if row.key in seen:
            raise SchemeError(f"{path}[{n}].key", N_("the key {key} is used twice"),
                              key=row.key)
        seen.add(row.key)


def from_dict(data) -> Scheme:
    """A checked Scheme, or SchemeError naming the first field that is wrong."""
    r = _Reader(data, "")
    name, source = r.text("name"), _source(r.raw("source"), "source")
    base, maximum = r.number("base", low=0, high=10000), r.number("maximum", low=0, high=10000)
    minimum = r.number("minimum", 0.0, low=0, high=10000)
    if not minimum <= base <= maximum:
        raise SchemeError("base", N_("minimum <= base <= maximum is expected"))
    aspects = []
    for n, a in enumerate(r.listed("aspects")):
        ar = _Reader(a, f"aspects[{n}]")
        aspects.append(Aspect(_key(ar), ar.text("label"), ar.number("points", low=0)))
        ar.done()
    _unique(aspects, "aspects")
    keys = {a.key for a in aspects}
    items = tuple(_item(v, f"items[{n}]", keys) for n, v in enumerate(r.listed("items")))
    if not items:
        raise SchemeError("items", N_("at least one item is expected"))
    _unique(items, "items")
    empty = r.raw("empty_item", None)
    if empty is not None and getattr(next((i for i in items if i.key == empty), None),
                                     "kind", None) != "deduction":
        raise SchemeError("empty_item", N_("no deduction item {key}"), key=str(empty))
    notes = r.listed("notes", [])
    if not all(isinstance(x, str) for x in notes):
        raise SchemeError("notes", N_("a list of texts is expected"))
    staff = r.raw("staff", None)
    got = Scheme(name, source, base, maximum, minimum, r.choice("period", PERIODS, "month"),
                 r.choice("veto", VETO_EFFECTS, "ineligible"), tuple(aspects), items,
                 _awards(r.raw("awards", {}), "awards"),
                 None if staff is None else _staff(staff, "staff"),
                 r.whole("contest_days", 3, low=0, high=60), empty, tuple(notes),
                 r.text("office", "", max_len=60))
    r.done()
    return got


def from_json(text: str) -> Scheme:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SchemeError("", N_("the scheme is not valid JSON: {error}"), error=str(exc))
    return from_dict(data)


# -- presets ----------------------------------------------------------------------------------
PRESETS_DIR = Path(__file__).resolve().parent / "presets"


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.json"))


def preset(name: str) -> Scheme:
    """A shipped preset by name (zhumadian, shangjie, jining); SchemeError for another."""
    if name not in preset_names():
        raise SchemeError("", N_("no preset {name}; the presets are {names}"), name=name,
                          names=", ".join(preset_names()))
    return from_json((PRESETS_DIR / f"{name}.json").read_text(encoding="utf-8"))
