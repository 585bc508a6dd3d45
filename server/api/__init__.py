"""Device-facing HTTP routes: ingest, enrolment, config, heartbeat, the phone page."""
