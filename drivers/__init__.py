"""Queue-system links and staff keypads: bytes in, typed events out; no Kivy here."""
