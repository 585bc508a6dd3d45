"""The kiosk screen: Kivy app, screens, widgets, technician menu, voice, QR."""
