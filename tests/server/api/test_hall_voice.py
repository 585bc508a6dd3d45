"""Issue 26 items 8-9: a hall's supervision line, logo and QR rule in the device config, and
its own voice recordings: uploaded with `kiosk-server voice set` (checked for format and
length), named in the device config by hash, fetched by the kiosk's config pull, played in
place of the shipped clip, and gone again (shipped clip) after `voice clear`."""
import io
import json
import math
import os
import struct
import subprocess
import sys
import wave

from kiosk.ui.voice import Player
from sync.config_pull import ConfigPuller
from sync.enrol import Credentials, save_credentials
from sync.wire import CONFIG_PATH


def wav(seconds: float, rate: int = 16000, channels: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = int(seconds * rate)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8))) * channels
                               for i in range(frames)))
    return out.getvalue()


def test_the_hall_face_settings_are_pushed_only_when_set(server, http, admin):
    resp = admin.put(server.url + "/api/v1/admin/device-config", json={
        "hall": "hall01", "config": {"supervision": "监督电话 12345",
                                     "logo_url": "/static/logo.png", "qr_keep": True}})
    assert resp.status_code == 200, resp.text
    body = http.get(server.url + CONFIG_PATH).json()
    assert body["supervision"] == "监督电话 12345" and body["qr_keep"] is True
    assert body["logo_url"] == "/static/logo.png" and "voice" not in body
    bad = admin.put(server.url + "/api/v1/admin/device-config", json={
        "hall": "hall01", "config": {"logo_url": "javascript:alert(1)"}})
    assert bad.status_code == 422 and "logo_url" in bad.text
    # The recordings come from the voice store only: set-config cannot name one.
    admin.put(server.url + "/api/v1/admin/device-config", json={
        "hall": "hall01", "config": {"voice": {"thanks": {"sha256": "0" * 64, "url": "/x"}}}})
    assert "voice" not in http.get(server.url + CONFIG_PATH).json()


def test_a_recording_is_checked_pulled_played_and_cleared(server, db, http, device, tmp_path):
    good, long, text = tmp_path / "thanks.wav", tmp_path / "long.wav", tmp_path / "notes.txt"
    good.write_bytes(wav(1.2))
    long.write_bytes(wav(10.5, rate=8000))
    text.write_text("not a sound")

    def voice(*args, lang="zh_CN.UTF-8"):
        env = {**os.environ, "LANG": lang, "LC_ALL": lang, "LANGUAGE": ""}
        if db[1]:
            env["PGOPTIONS"] = f"-c search_path={db[1]}"
        return subprocess.run([sys.executable, "-m", "server.cli", "voice", *args, "--db",
                               db[0]], capture_output=True, text=True, timeout=60, env=env)

    refused = voice("set", "hall01", "thanks", str(long), lang="C")
    assert refused.returncode != 0 and "10.5 s long: must be 0.05..10 s" in refused.stderr
    refused = voice("set", "hall01", "thanks", str(long))
    assert refused.returncode != 0 and "长 10.5 秒：必须在 0.05 到 10 秒之间" in refused.stderr
    refused = voice("set", "hall01", "thanks", str(text))
    assert refused.returncode != 0 and "不是 WAV 或 Ogg Vorbis 文件" in refused.stderr
    refused = voice("set", "hall01", "goodbye", str(good))
    assert refused.returncode != 0 and "没有短语 'goodbye'" in refused.stderr
    done = voice("set", "hall01", "thanks", str(good))
    assert done.returncode == 0, done.stderr
    assert "16000 Hz" in done.stdout and "1.2 秒" in done.stdout
    listed = voice("list", "hall01", "--json")
    assert json.loads(listed.stdout)[0]["phrase"] == "thanks"

    clip = http.get(server.url + CONFIG_PATH).json()["voice"]["thanks"]
    assert http.get(server.url + clip["url"]).content == good.read_bytes()
    assert http.get(server.url + clip["url"][:-16] + "0" * 16).status_code == 404

    token_file = tmp_path / "token.json"
    save_credentials(token_file, Credentials(device.device_id, device.token, device.qr_key))
    data = tmp_path / "data"
    puller = ConfigPuller(server.url, token_file, data / "device-config.json", data / "photos")
    try:
        puller.pull_once()
        player = Player(loader=lambda path: None, hall_dir=data / "voice")
        player._hall_index = player._read_hall_index()
        assert player.clip_path("thanks").read_bytes() == good.read_bytes()
        assert player.clip_path("qing").name == "qing.wav"  # not set: the shipped clip
        assert voice("clear", "hall01", "thanks").returncode == 0
        puller.pull_once()
    finally:
        puller.stop()
    player._hall_index = player._read_hall_index()
    assert player.clip_path("thanks").name == "thanks.wav"
    assert not [p for p in (data / "voice").iterdir() if p.suffix == ".wav"]
