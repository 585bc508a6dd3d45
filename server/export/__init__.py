"""Provincial export: counted ratings to each configured target, once, through the outbox."""
