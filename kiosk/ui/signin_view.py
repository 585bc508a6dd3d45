"""The staff sign-in screen, over the idle screen: pick yourself from the window's roster,
type your PIN on the pad. A view only: kiosk/signin.py decides (PIN check, lock-out, who
may sign in); this shows its answers. It closes itself on success, on 关闭, after
IDLE_CLOSE_S without a touch, and whenever a case comes (the app closes it)."""
from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.i18n import _

IDLE_CLOSE_S = 60.0
SUCCESS_CLOSE_S = 1.0


def say(message: str, args: tuple = ()) -> str:
    """A sign-in message (msgid with {fields}) in the kiosk's language."""
    return _(message).format(**dict(args)) if message else ""


class SignInView(ModalView):
    signin = ObjectProperty(None)
    step = StringProperty("pick")          # pick (the roster) or pin (the pad)
    staff = ListProperty([])               # [(staff_id, name)] of the roster
    chosen = StringProperty("")
    chosen_name = StringProperty("")
    signed_in = StringProperty("")         # who is signed in now ("" nobody)
    pin = StringProperty("")
    message = StringProperty("")
    message_kind = StringProperty("info")  # error (red), ok (green), info (ink)
    done = BooleanProperty(False)

    def __init__(self, signin, **kw) -> None:
        super().__init__(auto_dismiss=False, **kw)
        self.signin = signin
        self.staff = [(s.staff_id, s.name or s.staff_id) for s in signin.staff()]
        self.signed_in = signin.flow.state.staff_id or ""
        if not self.staff:
            self.say(_("No roster for this window yet: sign in with the staff keypad, or ask "
                       "the hall supervisor"), "error")
        self._idle = Clock.schedule_once(lambda _dt: self.dismiss(), IDLE_CLOSE_S)
        self.bind(on_dismiss=lambda *_a: self._idle.cancel())
        self.build_roster()

    def build_roster(self) -> None:
        from kiosk.ui.widgets import FlatButton

        grid = self.ids.roster
        grid.clear_widgets()
        for staff_id, name in self.staff:
            button = FlatButton(text=f"{name}  {staff_id}", outline=True)
            button.bind(on_release=lambda _b, s=staff_id, n=name: self.pick(s, n))
            grid.add_widget(button)

    def on_touch_down(self, touch):
        self._idle.cancel()
        self._idle = Clock.schedule_once(lambda _dt: self.dismiss(), IDLE_CLOSE_S)
        return super().on_touch_down(touch)

    def say(self, message: str, kind: str = "info") -> None:
        self.message, self.message_kind = message, kind

    def pick(self, staff_id: str, name: str) -> None:
        self.chosen, self.chosen_name, self.pin, self.step = staff_id, name, "", "pin"
        self.say(_("Enter your PIN"))
        self._show_lock()

    def back(self) -> None:
        self.step, self.pin = "pick", ""
        self.say("")

    def key(self, digit: str) -> None:
        if len(self.pin) < 6:
            self.pin += digit

    def backspace(self) -> None:
        self.pin = self.pin[:-1]

    def _show_lock(self) -> bool:
        left = self.signin.locked_for()
        if left > 0:
            from kiosk.signin import LOCKED

            self.say(say(LOCKED, (("seconds", int(left + 0.999)),)), "error")
            return True
        return False

    def enter(self) -> None:
        pin, self.pin = self.pin, ""
        answer = self.signin.try_pin(self.chosen, pin)
        self.say(say(answer.message, answer.args), "ok" if answer.ok else "error")
        if answer.ok:
            self.done = True
            Clock.schedule_once(lambda _dt: self.dismiss(), SUCCESS_CLOSE_S)

    def sign_out(self) -> None:
        answer = self.signin.sign_out()
        self.say(say(answer.message, answer.args), "ok" if answer.ok else "error")
        self.signed_in = self.signin.flow.state.staff_id or ""
        if answer.ok:
            self.done = True
            Clock.schedule_once(lambda _dt: self.dismiss(), SUCCESS_CLOSE_S)
