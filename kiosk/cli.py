"""`kiosk` command line: run the kiosk from its config, or a self-contained demo (the console
script enters through kiosk/launch.py, which runs kiosk.service's `kiosk run` without click)."""
from __future__ import annotations

import click

from kiosk.cli_language import localize
from kiosk.launch import prepare_kivy, start


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages (Kivy's too).")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """好差评 evaluator kiosk beside a service window."""
    ctx.obj = {"verbose": verbose}


@main.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (default: $KIOSK_CONFIG, then /etc/kiosk/kiosk.toml).")
@click.pass_context
def run(ctx: click.Context, config_path: str | None) -> None:
    """Run the kiosk full screen, as configured."""
    start(config_path, ctx.obj["verbose"])  # kiosk.service's own command line skips click


@main.command()
@click.option("--windowed/--fullscreen", default=True, show_default=True,
              help="Run in an 800x480 window (the Pi's 7-inch panel) or full screen.")
@click.option("--interval", type=click.FloatRange(1, 600), default=8.0, show_default=True,
              help="Seconds between a rating (or time-out) and the next simulated ticket.")
@click.option("--done-after", type=click.FloatRange(0.5, 600), default=3.0, show_default=True,
              help="Seconds between calling a ticket and reporting its case done (DONE).")
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="Folder for the demo's config, kiosk store and server database; what an "
                   "earlier demo left there is replaced (default: a temporary folder, removed "
                   "at exit).")
@click.option("--language", type=click.Choice(["zh_CN", "en"]), default="zh_CN",
              show_default=True, help="UI language.")
@click.option("--screenshots", type=click.Path(file_okay=False),
              help="Save a PNG of each screen the kiosk shows (NNN-idle.png, NNN-rating.png, "
                   "...) into this folder, emptied first (for a machine with no screen).")
@click.option("--citizen", is_flag=True,
              help="A simulated citizen taps: a random level, sometimes a 差评 with reasons; "
                   "the window pauses after the first rating and every third. Without it, "
                   "tap the kiosk yourself.")
@click.option("--duration", type=click.FloatRange(1), metavar="SECONDS",
              help="Stop by itself after this many seconds (default: run until closed).")
@click.option("--seed", type=int, help="Random seed of the simulated citizen (repeatable runs).")
@click.pass_context
def demo(ctx: click.Context, windowed: bool, interval: float, done_after: float,
         data_dir: str | None, language: str, screenshots: str | None, citizen: bool,
         duration: float | None, seed: int | None) -> None:
    """Kiosk + simulated queue system + local server, all on this machine.

    The demo kiosk is enrolled with the local server (a real one-time code), so it shows
    the staff member on duty and a signed QR code; ratings are uploaded with its token.
    Ctrl-C stops the kiosk, then the simulator, then the server.
    """
    prepare_kivy(ctx.obj["verbose"])
    from kiosk.demo import run_demo

    run_demo(windowed=windowed, interval=interval, data_dir=data_dir, language=language,
             screenshots=screenshots, citizen=citizen, duration=duration, seed=seed,
             done_after=done_after)


# Help and click's words in the kiosk's language ([device] language, else LANG): this module
# is loaded only for command lines other than kiosk.service's own (kiosk/launch.py).
localize(main)

if __name__ == "__main__":
    main()
