"""The floor for the kiosk's start-up and memory: a bare Kivy app showing one CJK label.

    python bench/bare_app.py            # READY=1 to $NOTIFY_SOCKET once its first frame is drawn
    python bench/bare_app.py --rss      # prints its RSS in MB after a few drawn frames, then exits
    python bench/bare_app.py --set graphics.multisamples=0 ...  # Kivy settings, as the kiosk's

Same window size and the same CJK font as the kiosk, nothing else.
"""
import os
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import rss_mb

os.environ.setdefault("KIVY_NO_ARGS", "1")

from kivy.config import Config

Config.set("graphics", "width", "800")
Config.set("graphics", "height", "480")
# The kiosk's own window settings (bench/memory.py passes what kiosk.ui.app applies), so the
# floor draws the same way: MSAA, full screen, cursor.
for i, arg in enumerate(sys.argv[:-1]):
    if arg == "--set":
        key, _, value = sys.argv[i + 1].partition("=")
        Config.set(*key.split(".", 1), value)

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.uix.label import Label

from kiosk.i18n import find_cjk_font

LabelBase.register(DEFAULT_FONT, find_cjk_font())




class Bare(App):
    def build(self):
        return Label(text="请对我的服务做出评价", font_size=40)

    def on_start(self):
        from kivy.core.window import Window

        def first_frame(*_args):  # READY=1 once the first frame is drawn, as the kiosk does
            Window.unbind(on_flip=first_frame)
            if os.environ.get("NOTIFY_SOCKET"):
                with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
                    s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])

        Window.bind(on_flip=first_frame)
        if "--rss" in sys.argv:
            Clock.schedule_once(self._report, 1.0)

    def _report(self, _dt):
        print(f"{rss_mb():.1f}", flush=True)
        self.stop()


if __name__ == "__main__":
    Bare().run()
