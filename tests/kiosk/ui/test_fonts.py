"""The font size ladder, and bold and regular text sharing one SDL2_ttf face per size."""
from __future__ import annotations

import os

from kiosk.ui.app import pump_until
from kiosk.ui.fonts import font_step


def test_font_sizes_round_down_to_a_short_ladder():
    sizes = [n / 4 for n in range(4, 4 * 160)]
    steps = {font_step(s) for s in sizes}
    assert all(font_step(s) <= s for s in sizes)  # what fits at a size fits at its step
    assert all(font_step(step) == step for step in steps)  # a step is drawn as itself
    assert font_step(32) == 32  # the level labels' size on the panel (LABEL_MM)
    assert len([s for s in steps if 12 <= s <= 72]) <= 16  # 12% apart: 16 sizes in 12..72 px


def faces_open(path: str) -> int:
    """SDL2_ttf faces open on the font file `path` (each holds the file open)."""
    return sum(os.path.realpath(f"/proc/self/fd/{fd}") == path
               for fd in os.listdir("/proc/self/fd"))


def draw(text: str, size: int, bold: bool):
    from kivy.core.text import Label as CoreLabel

    core = CoreLabel(text=text, font_size=size, bold=bold)
    core.refresh()
    return core.texture.size, core.texture.pixels, os.path.realpath(core.options["font_name_r"])


def test_bold_draws_as_regular_so_they_share_a_face(kiosk_app, monkeypatch):
    """share_faces() gives bold text the regular face of its size: right only while Kivy's
    SDL2 provider draws bold from the file registered for bold (the same CJK file), with no
    style of its own. With Kivy's own face keys, bold and regular differ here if it does."""
    from kivy.core.text import Label as CoreLabel

    kiosk_app()
    pump_until(timeout=0.1)
    text = "非常满意 Very satisfied"
    size, regular, path = draw(text, 161, False)  # a size nothing else draws: faces of its own
    before = faces_open(path)
    assert draw(text, 161, True)[:2] == (size, regular)
    assert faces_open(path) == before, "bold opened a second face"
    with monkeypatch.context() as patch:
        patch.setattr(CoreLabel, "_get_font_id", CoreLabel._kivy_font_id)
        assert draw(text, 181, True)[:2] == draw(text, 181, False)[:2]
        assert faces_open(path) == before + 2  # Kivy's keys: one face each


def test_a_drawn_label_keeps_its_texture_but_not_its_sdl_surface(kiosk_app):
    """Kivy 2.3 kept each label's last SDL surface (its pixels, as many bytes as its texture)
    for as long as the label lived; fonts.py lets it go once the texture has the pixels."""
    kiosk_app()
    pump_until(timeout=0.1)
    text = "感谢您的评价"
    size, pixels, _path = draw(text, 64, False)
    from kivy.core.text import Label as CoreLabel

    core = CoreLabel(text=text, font_size=64)
    core.refresh()
    assert getattr(core, "_surface", None) is None
    assert core.texture.size == size and core.texture.pixels == pixels  # drawn all the same
    assert any(pixels[3::4]), "the text drew nothing"
    core.text = "谢谢"  # drawn again: a new surface for the new text, let go again
    core.refresh()
    assert getattr(core, "_surface", None) is None and core.texture.size[0] < size[0]
