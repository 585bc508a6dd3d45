"""Font sizes on a short ladder, text measured without drawing, one SDL2_ttf face per size,
no SDL surface kept once a label is drawn."""
from __future__ import annotations

import math

# SDL2's text provider opens a font face for each distinct size and keeps it (~0.3 MB each
# for the CJK font, bench/memory_breakdown.py). Every size the UI draws or measures is a rung
# of one geometric ladder, so the whole UI needs a handful of faces: six rungs per doubling
# (12% apart), through 32 px, the level labels' size on the 800x480 panel (LABEL_MM).
RUNGS_PER_DOUBLING = 6
ANCHOR_PX = 32


def _rung(k: int) -> int:
    return max(1, round(ANCHOR_PX * 2 ** (k / RUNGS_PER_DOUBLING)))


def font_step(size: float) -> int:
    """The font size actually used for `size`: the ladder's rung at or below it (rounding down
    keeps what fits fitting; a rung maps to itself)."""
    size = max(1.0, float(size))
    k = math.floor(math.log2(size / ANCHOR_PX) * RUNGS_PER_DOUBLING + 1e-9) + 1
    while k > -8 * RUNGS_PER_DOUBLING and _rung(k) > size:
        k -= 1
    return _rung(k)


def measure(label, text: str, font_size: float, wrap: float | None) -> tuple[float, float, int]:
    """(width, height, lines) `text` takes in `label`'s font at font_size, wrapped at `wrap`
    pixels (None: one line per paragraph), never shortened."""
    from kivy.core.text import Label as CoreLabel

    core = CoreLabel(text=text, font_size=font_step(font_size), font_name=label.font_name,
                     bold=label.bold, italic=label.italic, text_size=(wrap, None),
                     padding=label.padding, halign="left", line_height=label.line_height)
    core.resolve_font_name()
    # render() lays the text out without drawing it: refresh() would rasterise a texture per
    # measurement, which held ~18 MB of the kiosk's memory (bench/ui_latency.py).
    w, h = core.render()
    left, top, right, bottom = core.options["padding"]
    return w - left - right, h - top - bottom, len(getattr(core, "_cached_lines", ()) or ()) or 1


def share_faces() -> None:
    """One face per (file, size) for bold and regular text alike. Kivy 2.3's SDL2 provider
    keys its faces by size, file, bold and italic, but bold text takes its look only from the
    file registered for bold (here the same CJK file): the bold key opened a second, identical
    face for each size (tests/kiosk/ui/test_fonts.py checks that they draw the same pixels)."""
    from kivy.core.text import Label as CoreLabel

    if CoreLabel.__name__ != "LabelSDL2" or getattr(CoreLabel, "_kiosk_shared", False):
        return

    def face_id(self) -> str:
        o = self.options
        return "|".join(str(o[k]) for k in ("font_size", "font_name_r", "underline",
                                            "strikethrough"))

    CoreLabel._kivy_font_id = CoreLabel._get_font_id  # Kivy's own, for the test
    CoreLabel._get_font_id = face_id
    CoreLabel._kiosk_shared = True


def _render_end(self):
    """The pixels, and the SDL surface they were drawn on let go."""
    surface, self._surface = self._surface, None
    return surface.get_data()


def drop_surfaces() -> None:
    """Kivy 2.3's SDL2 provider kept each label's last surface (as many bytes as its texture)
    for as long as the label lived; now it goes once the texture has the pixels."""
    from kivy.core.text import Label as CoreLabel

    if CoreLabel.__name__ == "LabelSDL2":
        CoreLabel._render_end = _render_end
