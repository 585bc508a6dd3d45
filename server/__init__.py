"""The central 好差评 collection server: FastAPI ingest endpoint over a pluggable rating store."""
