"""Help and usage errors of the kiosk, kiosk-setup and kiosk-server CLIs in their language."""
