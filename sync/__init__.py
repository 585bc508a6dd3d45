"""Kiosk-to-server sync: the outbox uploader and the wire schema both sides share."""
