"""The kiosk's one typed TOML config: defaults, validation, errors naming file, section and key."""
from __future__ import annotations

import dataclasses
import os
import re
import socket
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path("/etc/kiosk/kiosk.toml")
DIALECTS = ("line", "frame", "caller68", "rateservice")
LANGUAGES = ("zh_CN", "en")
DEFAULT_REASONS = ["attitude", "efficiency", "competence", "notification", "multiple_trips", "other"]


class ConfigError(Exception):
    """A config file is missing, unreadable, or has a wrong, unknown or missing key.

    The message is an English template (a msgid of kiosk_cli.po) and its values, so the CLI
    can say it in its own language (translated()); str() is the English text, as logged."""

    # Values that are themselves msgids (a type's or a rule's wording); the rest are names,
    # paths and values, shown verbatim in every language.
    WORDED = ("word", "rule", "what")

    def __init__(self, template: str, **values: Any) -> None:
        self.template, self.values = template, values
        super().__init__(template.format(**values) if values else template)

    def translated(self, gettext) -> str:
        values = {k: gettext(v) if k in self.WORDED else v for k, v in self.values.items()}
        text = gettext(self.template)
        return text.format(**values) if values else text


# ConfigError templates (msgids of kiosk/locale/zh_CN/LC_MESSAGES/kiosk_cli.po).
ERRORS = {
    "not_found": "{path}: config file not found (set it up with `kiosk-setup init`, or point "
                 "--config / KIOSK_CONFIG at one)",
    "unreadable": "{path}: cannot read config: {error}",
    "toml": "{where}: not valid TOML: {error}",
    "section": "{where}: unknown section [{section}]; known sections: {known}",
    "table": "{where}: [{section}] must be a table",
    "key": "{where}: [{section}] has unknown key {key}; known keys: {known}",
    "type": "{where}: [{section}] {key} = {value} should be a {word}",
    "rule": "{where}: [{section}] {key} = {value} should be {rule}",
    "needs": "{where}: [{section}] {key} must be set for {what}",
    "keymap": "{where}: [keypad] keys: {error}",
}


def _doc(text: str, **kw: Any) -> Any:
    return field(metadata={"doc": text}, **kw)


@dataclass
class Device:
    id: str = _doc("Device id given by the server at enrolment; the host name until then.",
                   default_factory=socket.gethostname)
    data_dir: str = _doc("Folder for the local rating store and caches.", default="/var/lib/kiosk")
    language: str = _doc("UI language: zh_CN (default) or en.", default="zh_CN")


@dataclass
class Window:
    number: int = _doc("Window number this kiosk sits at, 1..999.", default=1)
    name: str = _doc("Window name shown on the idle screen, e.g. 综合受理.", default="")
    hall_name: str = _doc("Name of the service hall shown on the idle screen.", default="")


@dataclass
class Queue:
    url: str = _doc("pyserial URL of the queue-system link: /dev/ttyUSB0, socket://host:port, "
                    "loop://; for rateservice ws://host:port; empty for no queue system.",
                    default="")
    dialect: str = _doc("Wire dialect: line, frame, caller68, or rateservice (the evaluator "
                        "service of JackQChen/QueueSystem, WebSocket JSON).", default="line")
    baudrate: int = _doc("Serial speed in baud, 2400..115200.", default=9600)
    address: int = _doc("Bus address for the frame (1..247) and caller68 dialects.", default=1)
    gap_chars: float = _doc("Silence, in character times, that ends a frame on the frame and "
                            "caller68 buses (Modbus RTU: 3.5); a half frame before it is dropped.",
                            default=3.5)
    gap_floor_ms: float = _doc("Shortest silence in ms that ends a frame, whatever the baud rate: "
                               "ptys and USB adapters deliver bytes in bursts (FTDI: every 16 ms).",
                               default=20.0)
    caller68_result_keys: list = _doc(
        "caller68: the 4-key evaluator key (0..3) sent after a rating of level 1..5 (非常不满意.."
        "非常满意); the reference host files key 0 as 不满意, 1 as not rated, 2 as 满意, 3 as "
        "非常满意, so five levels cannot all be told apart; [] sends no result.",
        default_factory=lambda: [0, 0, 2, 2, 3])
    caller68_quiet_ms: float = _doc("caller68: milliseconds without a byte on the bus before "
                                    "the kiosk sends (other callers share the line), 0..2000.",
                                    default=50.0)
    caller68_wires: int = _doc("caller68: 4 for a full-duplex adapter, 2 for a half-duplex "
                               "RS-485 adapter that echoes what the kiosk sends.", default=4)
    rateservice_window: str = _doc("rateservice: the window number the queue system knows "
                                   "(Login winNum); empty: [window] number.", default="")
    rateservice_user: str = _doc("rateservice: the user code (工号) the kiosk logs in with "
                                 "(Login userCode); the queue system must know it at that "
                                 "window.", default="")


@dataclass
class Rating:
    timeout_s: float = _doc("Seconds the rating screen waits before recording 'not rated'.",
                            default=30.0)
    reasons_timeout_s: float = _doc("Seconds the bad-review reasons screen waits, then stores "
                                    "the rating without reasons.", default=30.0)
    thanks_s: float = _doc("Seconds the thank-you screen stays up.", default=3.0)
    reasons: list = _doc("Reason codes offered after a bad review.",
                         default_factory=lambda: list(DEFAULT_REASONS))
    trigger: str = _doc("What opens the rating screen: queue (the queue system's DONE or the "
                        "评价 key), business (the business system's 请评价 for this window, "
                        "with its 办件编号) or both (one visit, one rating).", default="queue")


@dataclass
class Server:
    url: str = _doc("Base URL of the central server, e.g. https://pj.example.gov.cn; empty: no sync.",
                    default="")
    batch_size: int = _doc("Ratings per upload request, 1..500.", default=100)
    timeout_s: float = _doc("Seconds one HTTP request may take.", default=10.0)
    ca_bundle: str = _doc("PEM file of the CA(s) that signed the server's certificate; empty: "
                          "the public CAs kiosk-setup also trusts (certifi's bundle, or the "
                          "file REQUESTS_CA_BUNDLE names).", default="")
    token_file: str = _doc("File (mode 0600) holding the device token from enrolment; empty: "
                           "<data_dir>/device-token.json.", default="")
    config_cache: str = _doc("Where the config pulled from the server is cached; empty: "
                             "<data_dir>/device-config.json.", default="")
    heartbeat_s: float = _doc("Seconds between heartbeats to the server, 10..3600.",
                              default=60.0)
    config_pull_s: float = _doc("Seconds between pulls of the device config (names, roster, "
                                "photos, reasons, timeouts, QR URL) from the server, 30..86400; "
                                "the first pull is at start.", default=300.0)
    retention_days: int = _doc("Days synced ratings are kept on the kiosk, 1..3650; unsynced "
                               "ones are never purged.", default=30)
    max_store_mb: int = _doc("Size cap of the local store in MB, 10..100000; above it the "
                             "oldest synced ratings go first.", default=500)


@dataclass
class Display:
    fullscreen: bool = _doc("Run full screen (true on a kiosk, false on a desk).", default=True)
    width: int = _doc("Window width in pixels when not full screen.", default=800)
    height: int = _doc("Window height in pixels when not full screen.", default=480)


@dataclass
class Keypad:
    device: str = _doc("Staff keypad: a /dev/input/by-id/... path, /dev/kiosk-keypad, or part of "
                       "its name as `kiosk-setup keypads` lists it; empty for no keypad.",
                       default="")
    grab: bool = _doc("Grab the keypad so its keys never reach a console or desktop.",
                      default=True)
    keys: dict = _doc("Key map: evdev key name = staff action, e.g. KEY_KPENTER = \"next\"; "
                      "each key named overrides the built-in map for that key only "
                      "(\"none\" switches a built-in key off); empty: the built-in map.",
                      default_factory=dict)

    def effective_keys(self) -> dict[str, str]:
        """The built-in key map with the keys [keypad.keys] names replaced (or, with
        "none", removed): a partial table changes only the keys it names."""
        from drivers.keypad_codec import DEFAULT_KEYS

        merged = {**DEFAULT_KEYS, **self.keys}
        return {key: action for key, action in merged.items() if action != "none"}


@dataclass
class Panel:
    rotation: int = _doc("How the panel is mounted, in degrees: 0, 90, 180 or 270 (90: turned a "
                         "quarter clockwise, portrait); the picture and the touches turn alike.",
                         default=0)
    width: int = _doc("The panel's width in pixels as `kiosk-setup init` found it (unrotated); "
                      "full screen uses the display's real size and this only when that cannot "
                      "be found; 0: not known.", default=0)
    height: int = _doc("The panel's height in pixels, as width; 0: not known.", default=0)


@dataclass
class Technician:
    pin_hash: str = _doc("Salted scrypt hash of the technician PIN (set by `kiosk-setup init`, "
                         "never the PIN itself); empty: no technician menu PIN.", default="")


@dataclass
class Voice:
    mute: bool = _doc("Silence the spoken calls and prompts.", default=False)
    volume: float = _doc("Loudness of the spoken calls and prompts, 0..1.", default=0.8)


@dataclass
class Ui:
    ghost_press_s: float = _doc("Seconds within which a repeated tap at the same place, or a tap "
                                "landing on the screen a tap just opened, counts once, 0..5.",
                                default=0.8)
    staff_strip: bool = _doc("Show the staff's 下一位 (next number) button on the idle screen.",
                             default=False)
    qr_base_url: str = _doc("Phone rating page base URL for signed QR codes (needs the enrolment "
                            "key); the server's device config overrides it; empty: unsigned "
                            "qr_url_pattern or no QR code.", default="")
    qr_url_pattern: str = _doc("Unsigned phone rating URL with {device}, {window}, {ticket}, "
                               "{case_id} and {day}, used when there is no signing key; empty: "
                               "none.", default="")
    qr_ttl_s: float = _doc("Seconds a signed QR code stays valid from the start of its case, "
                           "60..86400; the phone page refuses it after that.", default=600.0)
    qr_show_s: float = _doc("Seconds the QR code of a case that went unrated stays on the idle "
                            "screen after the case ends, 10..3600 (never past its code's "
                            "validity); it goes at once when the next number is called.",
                            default=180.0)
    qr_keep: bool = _doc("Keep an unrated case's QR code on the idle screen until the next "
                         "number is called (or its code expires, qr_ttl_s) instead of "
                         "qr_show_s; the server's device config overrides it.", default=False)
    supervision: str = _doc("The hall's supervision line on the idle screen (e.g. 监督电话 "
                            "12345); the server's device config overrides it; empty: none.",
                            default="")
    logo_file: str = _doc("The hall's logo (PNG or JPEG) on the idle screen; the server's "
                          "device config (logo_url) overrides it; empty: none.", default="")
    roster_file: str = _doc("Local staff roster JSON (see kiosk/roster.py); empty: "
                            "<data_dir>/roster.json. The server's device config wins.",
                            default="")
    dpi: float = _doc("Pixels per inch of the panel (7-inch 800x480: 133), for the minimum "
                      "touch target size.", default=133.0)


@dataclass
class SignInRules:
    sign_out_on_pause: bool = _doc("Sign the staff member out when the window pauses (暂停), "
                                   "if the hall wants it.", default=False)
    day_end: str = _doc("Local time HH:MM at which whoever is still signed in is signed out "
                        "(the end of the working day); empty: at local midnight only.",
                        default="20:00")


@dataclass
class Config:
    device: Device = field(default_factory=Device)
    window: Window = field(default_factory=Window)
    queue: Queue = field(default_factory=Queue)
    rating: Rating = field(default_factory=Rating)
    server: Server = field(default_factory=Server)
    display: Display = field(default_factory=Display)
    keypad: Keypad = field(default_factory=Keypad)
    panel: Panel = field(default_factory=Panel)
    technician: Technician = field(default_factory=Technician)
    voice: Voice = field(default_factory=Voice)
    ui: Ui = field(default_factory=Ui)
    signin: SignInRules = field(default_factory=SignInRules)
    path: Path | None = None
    # (section, key) of every key the file itself sets: the rest are built-in defaults
    # (kiosk/settings.py says which one is in force and from where).
    given: frozenset = frozenset()

    @property
    def db_path(self) -> Path:
        return Path(self.device.data_dir) / "kiosk.db"

    @property
    def token_path(self) -> Path:
        """[server] token_file, else <data_dir>/device-token.json (enrolment writes it)."""
        return Path(self.server.token_file or Path(self.device.data_dir) / "device-token.json")

    @property
    def config_cache_path(self) -> Path:
        """[server] config_cache, else <data_dir>/device-config.json."""
        return Path(self.server.config_cache or Path(self.device.data_dir) / "device-config.json")


_SECTIONS = {"device": Device, "window": Window, "queue": Queue, "rating": Rating,
             "server": Server, "display": Display, "keypad": Keypad, "panel": Panel,
             "technician": Technician, "voice": Voice, "ui": Ui, "signin": SignInRules}
STAFF_ACTIONS = ("next", "recall", "evaluate", "pause", "resume", "transfer", "give_up", "hold",
                 "call_back", "sign_in", "sign_out")
_CHECKS = {
    ("device", "language"): (lambda v: v in LANGUAGES, f"one of {', '.join(LANGUAGES)}"),
    ("window", "number"): (lambda v: 1 <= v <= 999, "a number 1..999"),
    ("queue", "dialect"): (lambda v: v in DIALECTS, f"one of {', '.join(DIALECTS)}"),
    ("queue", "baudrate"): (lambda v: 2400 <= v <= 115200, "a baud rate 2400..115200"),
    ("queue", "address"): (lambda v: 1 <= v <= 247, "a bus address 1..247"),
    ("queue", "gap_chars"): (lambda v: 1.5 <= v <= 100, "character times, 1.5..100"),
    ("queue", "caller68_result_keys"): (lambda v: len(v) in (0, 5) and all(
        type(x) is int and 0 <= x <= 3 for x in v),
        "a list of 5 evaluator keys 0..3, for levels 1..5 (e.g. [0, 0, 2, 2, 3]), or []"),
    ("queue", "caller68_quiet_ms"): (lambda v: 0 <= v <= 2000, "milliseconds, 0..2000"),
    ("queue", "caller68_wires"): (lambda v: v in (2, 4), "2 or 4"),
    ("queue", "rateservice_window"): (lambda v: re.fullmatch(r"[^\s\x00-\x1f]{0,32}", v)
                                      is not None, "up to 32 characters without spaces"),
    ("queue", "rateservice_user"): (lambda v: re.fullmatch(r"[^\s\x00-\x1f]{0,64}", v)
                                    is not None, "up to 64 characters without spaces"),
    ("queue", "gap_floor_ms"): (lambda v: 1 <= v <= 45, "milliseconds, 1..45 (the answer "
                                "time is 50 ms)"),
    ("rating", "timeout_s"): (lambda v: 5 <= v <= 600, "seconds, 5..600"),
    ("rating", "reasons_timeout_s"): (lambda v: 5 <= v <= 600, "seconds, 5..600"),
    ("rating", "thanks_s"): (lambda v: 0.5 <= v <= 30, "seconds, 0.5..30"),
    ("rating", "trigger"): (lambda v: v in ("queue", "business", "both"),
                            "one of queue, business, both"),
    ("rating", "reasons"): (lambda v: 0 < len(v) <= 12 and all(
        isinstance(x, str) and re.fullmatch(r"[a-z0-9_]{1,32}", x) for x in v),
        "a list of 1..12 reason codes (a-z, 0-9, _)"),
    ("server", "url"): (lambda v: v == "" or re.match(r"https?://[^\s/]+", v) is not None,
                        "an http:// or https:// URL, or empty"),
    ("server", "batch_size"): (lambda v: 1 <= v <= 500, "a number 1..500"),
    ("server", "timeout_s"): (lambda v: 0.5 <= v <= 120, "seconds, 0.5..120"),
    ("server", "heartbeat_s"): (lambda v: 10 <= v <= 3600, "seconds, 10..3600"),
    ("server", "config_pull_s"): (lambda v: 30 <= v <= 86400, "seconds, 30..86400"),
    ("server", "retention_days"): (lambda v: 1 <= v <= 3650, "days, 1..3650"),
    ("server", "max_store_mb"): (lambda v: 10 <= v <= 100000, "megabytes, 10..100000"),
    ("display", "width"): (lambda v: 320 <= v <= 7680, "pixels, 320..7680"),
    ("display", "height"): (lambda v: 240 <= v <= 4320, "pixels, 240..4320"),
    ("signin", "day_end"): (lambda v: re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]|", v)
                            is not None, "a local time HH:MM (e.g. 20:00), or empty"),
    ("keypad", "keys"): (lambda v: len(v) <= 64 and all(
        re.fullmatch(r"(KEY|BTN)_[A-Z0-9_]{1,32}", k) and v[k] in (*STAFF_ACTIONS, "none")
        for k in v),
        "a table of evdev key names (KEY_...) to actions: " + ", ".join(STAFF_ACTIONS)
        + ", or none"),
    ("panel", "rotation"): (lambda v: v in (0, 90, 180, 270), "one of 0, 90, 180, 270"),
    ("panel", "width"): (lambda v: v == 0 or 320 <= v <= 7680, "0 or pixels, 320..7680"),
    ("panel", "height"): (lambda v: v == 0 or 240 <= v <= 7680, "0 or pixels, 240..7680"),
    ("technician", "pin_hash"): (lambda v: v == "" or re.fullmatch(
        r"scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+", v) is not None,
        "empty or a hash written by `kiosk-setup init` (scrypt$n$r$p$salt$hash)"),
    ("voice", "volume"): (lambda v: 0 <= v <= 1, "a number 0..1"),
    ("ui", "ghost_press_s"): (lambda v: 0 <= v <= 5, "seconds, 0..5"),
    ("ui", "qr_base_url"): (lambda v: v == "" or re.match(r"https?://[^\s/]+", v) is not None,
                            "an http:// or https:// URL, or empty"),
    ("ui", "qr_url_pattern"): (lambda v: v == "" or re.match(r"https?://[^\s/]+", v) is not None,
                               "an http:// or https:// URL with {ticket} etc., or empty"),
    ("ui", "qr_ttl_s"): (lambda v: 60 <= v <= 86400, "seconds, 60..86400"),
    ("ui", "qr_show_s"): (lambda v: 10 <= v <= 3600, "seconds, 10..3600"),
    ("ui", "dpi"): (lambda v: 50 <= v <= 600, "pixels per inch, 50..600"),
    ("ui", "supervision"): (lambda v: len(v) <= 60, "at most 60 characters"),
}
_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "list": (list,),
          "dict": (dict,)}
_WORDS = {"str": "string in quotes", "int": "whole number", "float": "number",
          "bool": "true or false", "list": "list [..]",
          "dict": "table {..}"}


def message_ids() -> list[str]:
    """Every English text a ConfigError or check-config's key list may show: the CLI's
    catalog must translate each (tests/test_cli_help.py)."""
    rules = [rule for _check, rule in _CHECKS.values()]
    docs = [doc for keys in field_docs().values() for doc in keys.values()]
    return [*ERRORS.values(), *_WORDS.values(), *rules, *docs, *QUEUE_RULES.values()]


def field_docs() -> dict[str, dict[str, str]]:
    """Every section and key with its doc string, for `--help` and the manuals."""
    return {s: {f.name: f.metadata["doc"] for f in dataclasses.fields(cls)}
            for s, cls in _SECTIONS.items()}


def _section(where: str, name: str, cls: type, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(ERRORS["table"], where=where, section=name)
    known = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(ERRORS["key"], where=where, section=name, key=repr(key),
                              known=", ".join(known))
        want = _TYPES[known[key].type]
        if not isinstance(value, want) or (isinstance(value, bool) and bool not in want):
            raise ConfigError(ERRORS["type"], where=where, section=name, key=key,
                              value=repr(value), word=_WORDS[known[key].type])
        check = _CHECKS.get((name, key))
        if check and not check[0](value):
            raise ConfigError(ERRORS["rule"], where=where, section=name, key=key,
                              value=repr(value), rule=check[1])
        values[key] = float(value) if known[key].type == "float" else value
    return cls(**values)


def parse(text: str, where: str = "<config>") -> Config:
    """Validate TOML text into a Config; raises ConfigError naming `where`, section and key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(ERRORS["toml"], where=where, error=str(exc)) from None
    unknown = set(raw) - set(_SECTIONS)
    if unknown:
        raise ConfigError(ERRORS["section"], where=where, section=sorted(unknown)[0],
                          known=", ".join(_SECTIONS))
    cfg = Config(**{name: _section(where, name, cls, raw.get(name, {}))
                    for name, cls in _SECTIONS.items()})
    cfg.given = frozenset((name, key) for name in _SECTIONS for key in raw.get(name, {}))
    _check_queue(cfg.queue, where)
    return cfg


QUEUE_RULES = {"ws": "a ws:// or wss:// URL for the rateservice dialect",
               "serial": "a pyserial URL (not ws://) for the line, frame and caller68 dialects",
               "user": "the rateservice dialect"}


def _check_queue(q: Queue, where: str) -> None:
    """What one key cannot tell alone: the URL must fit the dialect; rateservice logs in."""
    if not q.url:
        return
    websocket = re.match(r"wss?://[^\s/]+", q.url) is not None
    if (q.dialect == "rateservice") != websocket:
        raise ConfigError(ERRORS["rule"], where=where, section="queue", key="url",
                          value=repr(q.url),
                          rule=QUEUE_RULES["ws" if q.dialect == "rateservice" else "serial"])
    if q.dialect == "rateservice" and not q.rateservice_user:
        raise ConfigError(ERRORS["needs"], where=where, section="queue", key="rateservice_user",
                          what=QUEUE_RULES["user"])


def resolve_path(cli_path: str | os.PathLike | None) -> Path:
    """--config beats KIOSK_CONFIG beats /etc/kiosk/kiosk.toml."""
    return Path(cli_path or os.environ.get("KIOSK_CONFIG") or DEFAULT_PATH)


def load(cli_path: str | os.PathLike | None = None) -> Config:
    """Load and validate the config file that applies; ConfigError says what is wrong."""
    path = resolve_path(cli_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(ERRORS["not_found"], path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(ERRORS["unreadable"], path=path, error=str(exc)) from None
    cfg = parse(text, str(path))
    cfg.path = path
    return cfg


def dump_dict(cfg: Config) -> dict:
    """A Config as plain section -> key -> value data."""
    return {name: dataclasses.asdict(getattr(cfg, name)) for name in _SECTIONS}


def dump(cfg: Config) -> str:
    """TOML text of a Config (for the setup CLI and the demo)."""
    import tomli_w

    return tomli_w.dumps(dump_dict(cfg))
