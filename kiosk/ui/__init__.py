"""The kiosk screen: Kivy app, screens, widgets, technician menu, voice, QR."""
import os

# Kivy's default clock sleeps until the next frame even when a queue event is already
# waiting; the interrupt clock wakes as soon as the link's reader thread triggers the pump,
# which took ~12 ms (one frame at 60 fps) off DONE-to-rating-screen (bench/ui_latency.py).
# Read by kivy.clock at import, so it must be set before any module here imports Kivy.
os.environ.setdefault("KIVY_CLOCK", "interrupt")
