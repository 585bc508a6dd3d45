"""Issue 12 item 2: staff photos from a real HTTP server on loopback into the data dir: size
limit, magic bytes and full decoding, atomic content-hashed files, conditional requests so
unchanged photos are not fetched again, one log line for a bad photo, the token only for the
server itself."""
import hashlib
import io
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from sync.photos import (
    MAX_PHOTO_BYTES,
    MAX_SIDE,
    PhotoError,
    PhotoFetcher,
    check_image,
    photo_path,
    prepare,
)


def png(color=(200, 30, 30), size=(60, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (0, 90, 200)).save(out, "JPEG")
    return out.getvalue()


class PhotoServer:
    """Serves `files` (path -> bytes) with ETags; notes every request and its headers."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.requests: list[tuple[str, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append((self.path, dict(self.headers)))
                body = outer.files.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:12] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def photos():
    srv = PhotoServer()
    yield srv
    srv.close()


def test_check_image_wants_magic_bytes_and_a_full_decode():
    assert check_image(png()) == "png" and check_image(jpeg()) == "jpg"
    with pytest.raises(PhotoError, match="magic"):
        check_image(b"<html>not found</html>")
    with pytest.raises(PhotoError, match="decode"):
        check_image(png()[:60])  # a PNG cut short: right magic, no picture
    big = io.BytesIO()
    Image.new("1", (5000, 5000)).save(big, "PNG")  # a few KB that would unpack to 25 Mpx
    with pytest.raises(PhotoError, match="too large"):
        check_image(big.getvalue())


def test_photos_are_fetched_once_and_then_asked_for_conditionally(tmp_path, photos):
    photos.files["/p/1024.png"] = png()
    fetcher = PhotoFetcher(tmp_path / "photos", photos.url, token="secret-token")
    staff = [{"staff_id": "1024", "name": "张敏", "photo_url": "/p/1024.png"}]
    got = fetcher.sync(staff)
    path = got["1024"]
    assert path.read_bytes() == photos.files["/p/1024.png"]
    assert path.name.startswith("1024-") and path.suffix == ".png"
    assert photo_path(tmp_path / "photos", "1024") == path
    assert photos.requests[0][1].get("Authorization") == "Bearer secret-token"
    # Unchanged: one conditional request, answered 304, nothing downloaded.
    assert fetcher.sync(staff) == got and fetcher.downloads == 1
    assert photos.requests[1][1].get("If-None-Match")
    # Changed at the same URL: a new file (new name: Kivy caches images by path), old one gone.
    photos.files["/p/1024.png"] = png(color=(0, 160, 0))
    new = fetcher.sync(staff)["1024"]
    assert new != path and not path.exists() and fetcher.downloads == 2
    assert not list((tmp_path / "photos").glob(".*.tmp"))


def phone_photo() -> bytes:
    """A 4000x3000 JPEG as a phone saves a portrait shot: pixels landscape, top on the left,
    EXIF orientation 6 (turn 90 degrees clockwise to view). Its top quarter is red."""
    img = Image.new("RGB", (4000, 3000), (230, 230, 230))
    img.paste((200, 0, 0), (0, 0, 1000, 3000))  # the left of the pixels is the picture's top
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def test_a_phone_photo_is_kept_upright_and_no_larger_than_the_card_needs(tmp_path, photos):
    photos.files["/p/1024.jpg"] = sent = phone_photo()
    fetcher = PhotoFetcher(tmp_path / "photos", photos.url)
    path = fetcher.sync([{"staff_id": "1024", "name": "张敏", "photo_url": "/p/1024.jpg"}])["1024"]
    with Image.open(path) as kept:
        assert kept.format == "JPEG" and kept.size == (MAX_SIDE * 3 // 4, MAX_SIDE)  # upright
        assert kept.getexif().get(0x0112, 1) == 1
        top, bottom = kept.getpixel((kept.width // 2, 10)), kept.getpixel((kept.width // 2,
                                                                           kept.height - 10))
    assert top[0] > 150 and top[1] < 60 and min(bottom) > 200  # red at the top, as taken
    assert path.stat().st_size < len(sent) // 4
    # Named after what the server sent: asked again, the same file, not a second one.
    assert fetcher.sync([{"staff_id": "1024", "photo_url": "/p/1024.jpg"}])["1024"] == path


def test_a_small_upright_photo_is_kept_byte_for_byte():
    for data in (png(), jpeg()):
        assert prepare(data) == (data, check_image(data))


def test_bad_and_huge_photos_keep_the_placeholder_with_one_log_line(tmp_path, photos, caplog):
    photos.files.update({"/huge.png": png() + b"\0" * (MAX_PHOTO_BYTES + 1),
                         "/page.png": b"<html>login</html>", "/cut.png": png()[:70]})
    staff = [{"staff_id": s, "name": s, "photo_url": f"/{s}.png"}
             for s in ("huge", "page", "cut", "gone")]
    fetcher = PhotoFetcher(tmp_path / "photos", photos.url)
    with caplog.at_level(logging.WARNING, logger="sync.photos"):
        assert fetcher.sync(staff) == {}
        assert fetcher.sync(staff) == {}  # the next pull: same failures, no new lines
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 4, lines
    assert any("huge" in m and "limit" in m for m in lines)
    assert any("page" in m and "magic" in m for m in lines)
    assert any("cut" in m and "decode" in m for m in lines)
    assert any("gone" in m and "404" in m for m in lines)
    assert [p.name for p in (tmp_path / "photos").iterdir()] == ["index.json"]


def test_the_token_goes_only_to_the_server_and_hand_placed_photos_stay(tmp_path, photos):
    other = PhotoServer()
    try:
        other.files["/x.jpg"] = jpeg()
        photo_dir = tmp_path / "photos"
        photo_dir.mkdir()
        (photo_dir / "2048.png").write_bytes(png())  # put there by a technician
        fetcher = PhotoFetcher(photo_dir, photos.url, token="secret-token")
        got = fetcher.sync([{"staff_id": "77", "name": "李", "photo_url": other.url + "/x.jpg"}])
        assert got["77"].suffix == ".jpg"
        assert "Authorization" not in other.requests[0][1]
        fetcher.sync([])  # 77 left the roster: the fetched photo goes, the hand-placed stays
        assert sorted(p.name for p in photo_dir.iterdir()) == ["2048.png", "index.json"]
    finally:
        other.close()
