"""Server storage: one store API over SQLite and PostgreSQL, queries written once."""
