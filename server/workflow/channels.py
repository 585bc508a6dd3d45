"""Alert channels: a signed webhook, e-mail over SMTP, and an SMS gateway interface.

Every channel gets the same alert dict (server/workflow/alerts.py says what is in it; nothing
about the citizen) and the outbox item's id as an idempotency key, and raises DeliveryError
with a one-line reason when the send did not work, so the outbox retries it with back-off.
Secrets (webhook key, SMTP password, gateway token) are handed in, used, and never logged.
"""
from __future__ import annotations

import json
import logging
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate

from server.db.outbox import DeliveryError
from server.i18n import gettext_for
from server.signing import (IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, Deadline,
                            post_json, sign)
from sync.wire.labels import N_

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0


def alert_text(alert: dict, lang: str = "zh_CN") -> tuple[str, str]:
    """(subject, body) of an alert for people: e-mail and SMS."""
    _ = gettext_for(lang)
    where = _("{hall} window {window}").format(hall=alert["hall_name"] or alert["hall"],
                                               window=alert["window"])
    subject = _("Bad rating: {where}, {level}").format(where=where, level=alert["level_label"])
    if alert.get("test"):
        subject = _("[Test]") + " " + subject
    lines = [subject, "",
             _("Level: {level}").format(level=alert["level_label"]),
             _("Reasons: {reasons}").format(reasons="，".join(alert["reason_labels"]) or "—"),
             _("Staff number: {staff}").format(staff=alert["staff_id"] or "—"),
             _("Rated at: {time}").format(time=alert["rated_at_local"]),
             _("Case: {case}").format(case=alert["case_id"] or "—")]
    if alert.get("case_url"):
        lines.append(alert["case_url"])
    return subject, "\n".join(lines) + "\n"


class Channel:
    """One way to reach a duty manager. send() raises DeliveryError when it did not work."""

    kind = "?"

    def send(self, alert: dict, key: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class WebhookChannel(Channel):
    """JSON POST of the alert, signed (SIGNATURE_HEADER over timestamp + body) and carrying
    the idempotency key, so a receiver drops a retry it already has."""

    kind = "webhook"

    def __init__(self, url: str, secret: str, timeout: float = TIMEOUT_S) -> None:
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, alert: dict, key: str) -> None:
        body = json.dumps(alert, ensure_ascii=False, sort_keys=True).encode()
        stamp = str(int(time.time()))
        post_json(self.url, body, {IDEMPOTENCY_HEADER: key, TIMESTAMP_HEADER: stamp,
                                   SIGNATURE_HEADER: sign(self.secret, stamp, body)},
                  self.timeout)


class EmailChannel(Channel):
    """A plain-text mail over SMTP (STARTTLS when asked, login when a user is set). The
    Message-ID is derived from the key, so a mail client can fold a resent copy."""

    kind = "email"

    def __init__(self, host: str, port: int, sender: str, to: list[str], starttls: bool = False,
                 user: str = "", password: str = "", lang: str = "zh_CN",
                 timeout: float = TIMEOUT_S) -> None:
        self.host, self.port, self.sender, self.to = host, port, sender, to
        self.starttls, self.user, self.password = starttls, user, password
        self.lang, self.timeout = lang, timeout

    def message(self, alert: dict, key: str) -> EmailMessage:
        subject, body = alert_text(alert, self.lang)
        msg = EmailMessage()
        msg["Subject"], msg["From"], msg["To"] = subject, self.sender, ", ".join(self.to)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = f"<{key}@kiosk-server>"
        msg[IDEMPOTENCY_HEADER] = key
        msg.set_content(body)
        return msg

    def send(self, alert: dict, key: str) -> None:
        if self.timeout <= 0:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: no time left to send")
        try:
            with Deadline(self.timeout) as deadline, \
                    _BoundedSMTP(deadline, self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(self.message(alert, key))
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: "
                                f"{type(exc).__name__}: {str(exc)[:200]}") from None


class _BoundedSMTP(smtplib.SMTP):
    """SMTP whose whole conversation ends by the deadline (signing.Deadline cuts it)."""

    def __init__(self, deadline: Deadline, *args, **kwargs) -> None:
        self._deadline = deadline
        super().__init__(*args, **kwargs)

    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, min(timeout, max(0.001, self._deadline.left())))
        self._deadline.register(sock)
        return sock

    def starttls(self, *args, **kwargs):
        answer = super().starttls(*args, **kwargs)
        self._deadline.register(self.sock)  # the TLS socket replaced the plain one
        return answer


class SmsChannel(Channel):
    """The SMS interface: a gateway turns (phone numbers, short text, key) into messages.
    Subclass and implement deliver_text() for a vendor's API."""

    kind = "sms"

    def __init__(self, to: list[str], lang: str = "zh_CN") -> None:
        self.to, self.lang = to, lang

    def text(self, alert: dict) -> str:
        _ = gettext_for(self.lang)
        return _("{subject}. Case {case}").format(subject=alert_text(alert, self.lang)[0],
                                                  case=alert["case_id"] or "—")

    def send(self, alert: dict, key: str) -> None:
        self.deliver_text(self.to, self.text(alert), key)

    def deliver_text(self, to: list[str], text: str, key: str) -> None:  # pragma: no cover
        raise NotImplementedError


class HttpSmsGateway(SmsChannel):
    """A generic HTTP SMS gateway: POST {"to": [...], "text": ..., "idempotency_key": ...}
    with an optional bearer token; any 2xx is accepted."""

    def __init__(self, url: str, to: list[str], token: str = "", lang: str = "zh_CN",
                 timeout: float = TIMEOUT_S) -> None:
        super().__init__(to, lang)
        self.url, self.token, self.timeout = url, token, timeout

    def deliver_text(self, to: list[str], text: str, key: str) -> None:
        body = json.dumps({"to": to, "text": text, "idempotency_key": key},
                          ensure_ascii=False).encode()
        headers = {IDEMPOTENCY_HEADER: key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        post_json(self.url, body, headers, self.timeout)


def build(channel: str, config: dict, secret: str, timeout: float = TIMEOUT_S) -> Channel:
    """The Channel for a stored config (alerts.set_channel checked it when it was set);
    `timeout` bounds a whole send (the outbox gives what is left of its lease)."""
    lang = config.get("lang", "zh_CN")
    if channel == "webhook":
        return WebhookChannel(config["url"], secret, timeout)
    if channel == "email":
        return EmailChannel(config["smtp_host"], int(config.get("smtp_port", 25)),
                            config["from"], list(config["to"]), bool(config.get("starttls")),
                            config.get("smtp_user", ""), secret, lang, timeout)
    if channel == "sms":
        return HttpSmsGateway(config["gateway_url"], list(config["to"]), secret, lang, timeout)
    raise DeliveryError(f"unknown channel {channel!r}")


# Chinese for the words above lives in server.po; listed so extraction sees them together.
CHANNEL_LABELS = {"webhook": N_("Webhook"), "email": N_("E-mail"), "sms": N_("SMS")}
