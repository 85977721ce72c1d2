"""DB-aware domain operations. They take a session, flush, never commit, raise domain errors."""
