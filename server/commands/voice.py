"""`kiosk-server voice set|clear|list`: a hall's own recordings of the kiosk's phrases (issue 26
item 9). Each file is checked (WAV or Ogg Vorbis, mono/stereo, 8..48 kHz, at most 10 s and
1 MB: sync/wire/voice_clip.py), stored on the server, and pulled by the hall's kiosks with their
device config; a kiosk keeps its shipped clip for any phrase the hall has not set."""
from __future__ import annotations

from pathlib import Path

import click

from server.cli import db_option
from server.commands.speech import _
from server.commands.workflow import _echo, _run, json_option


@click.group("voice")
def voice_group() -> None:
    """A hall's own voice recordings: set, clear or list them per phrase (d0..d9,
    letter_A..letter_Z, shi, bai, qing, hao_dao, hao_chuangkou_banli, rate_prompt, thanks)."""


def _actor() -> str:
    from server.commands.org import cli_actor

    return cli_actor()


def _said(work, *args):
    """work(*args), its ClipError said in the session's language."""
    from sync.wire.voice_clip import ClipError

    try:
        return work(*args)
    except ClipError as exc:
        raise click.ClickException(exc.translated(_)) from None


@voice_group.command("set")
@click.argument("hall")
@click.argument("phrase")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@db_option
def voice_set(hall: str, phrase: str, file: Path, as_json: bool, db: str) -> None:
    """Use FILE (WAV or Ogg Vorbis, at most 10 s) for PHRASE on the kiosks of HALL."""
    from server.db import voice

    data = file.read_bytes()
    result = _run(db, lambda store: _said(voice.put, store, hall, phrase, data, _actor()))
    _echo(result, as_json, _("{hall} {phrase}: {format}, {seconds} s, {rate} Hz; the hall's "
                             "kiosks fetch it at their next config pull").format(**result))


@voice_group.command("clear")
@click.argument("hall")
@click.argument("phrase")
@db_option
def voice_clear(hall: str, phrase: str, db: str) -> None:
    """Go back to the shipped clip for PHRASE on the kiosks of HALL."""
    from server.db import voice

    had = _run(db, lambda store: _said(voice.clear, store, hall, phrase, _actor()))
    click.echo(_("{hall} {phrase}: back to the shipped clip").format(hall=hall, phrase=phrase)
               if had else _("{hall} has no recording of its own for {phrase}").format(
                   hall=hall, phrase=phrase))


@voice_group.command("list")
@click.argument("hall")
@json_option
@db_option
def voice_list(hall: str, as_json: bool, db: str) -> None:
    """List HALL's own recordings (phrases not listed use the shipped clips)."""
    from server.db import voice

    rows = _run(db, lambda store: voice.listing(store, hall))
    text = "\n".join(f"{r['phrase']}  {r['format']}  {r['seconds']} s  {r['sha256'][:12]}  "
                     f"({r['set_by']} {r['set_at']})" for r in rows)
    _echo(rows, as_json, text or _("{hall}: shipped clips only").format(hall=hall))
