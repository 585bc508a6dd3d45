"""The `kiosk` command's entry: `kiosk run` as kiosk.service starts it, without loading click.

click parses the `kiosk` command line (kiosk/cli.py), except the service's own, `kiosk [-v]
run [--config PATH]`: click and what it alone imports (uuid, platform, datetime) were 1.2 MB
of the running kiosk's memory and 22 ms of its start, spent on three words (bench/memory.py,
bench/startup.py). Any other command line, --help and mistakes included, goes to click, so
help and errors stay click's; both ways end in start().
"""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

log = logging.getLogger(__name__)

VERBOSE = ("-v", "--verbose")


def prepare_kivy(verbose: bool) -> None:
    """Kivy must neither parse our argv nor take over logging; set before importing it."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import kivy  # noqa: F401 - sets its logger's level from its config; ours wins after

    logging.getLogger("kivy").setLevel(logging.INFO if verbose else logging.WARNING)


def fail(exc: Exception, config_path: str | None = None) -> None:
    """A config the kiosk cannot run with: one line on stderr, exit code 2, no traceback;
    in the config's language, else LANG's (the CLI catalog is read only on this path)."""
    from kiosk.cli_language import cli_language, config_error_text

    print(f"kiosk: {config_error_text(exc, cli_language(config_path))}", file=sys.stderr,
          flush=True)
    sys.exit(2)


def start(config_path: str | None, verbose: bool) -> None:
    """Load and check the config (--config, else $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml),
    then run the kiosk full screen until it is stopped."""
    from kiosk.config import ConfigError, load

    try:
        cfg = load(config_path)
    except ConfigError as exc:
        fail(exc, config_path)
    prepare_kivy(verbose)
    from kiosk.services import check
    from kiosk.ui.app import run as run_app

    try:
        check(cfg)
    except ConfigError as exc:
        fail(exc, config_path)
    log.info("config %s: window %d, queue %s, server %s", cfg.path, cfg.window.number,
             cfg.queue.url or "(none)", cfg.server.url or "(none)")
    run_app(cfg)


def service_args(argv: Sequence[str]) -> tuple[str | None, bool] | None:
    """(config path or None, verbose) when argv is `[-v] run [--config PATH]` in a form click
    would read the same way; None for anything else, which click reads."""
    args = list(argv)
    verbose = False
    while args and args[0] in VERBOSE:
        verbose, args = True, args[1:]
    if args[:1] != ["run"]:
        return None
    rest = args[1:]
    if not rest:
        return None, verbose
    if len(rest) == 2 and rest[0] == "--config":
        path = rest[1]
    elif len(rest) == 1 and rest[0].startswith("--config="):
        path = rest[0].partition("=")[2]
    else:
        return None
    # click says "is a directory" and the like; an empty or option-like value is a mistake.
    if not path or path.startswith("-") or os.path.isdir(path):
        return None
    return path, verbose


def main(argv: Sequence[str] | None = None) -> None:
    """The `kiosk` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    service = service_args(argv)
    if service is not None:
        start(*service)
        return
    from kiosk.cli import main as click_main

    click_main(args=argv, prog_name="kiosk")


if __name__ == "__main__":
    main()
