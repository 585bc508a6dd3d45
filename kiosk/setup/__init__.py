"""kiosk-setup: the field technician’s CLI, one module per command family."""
