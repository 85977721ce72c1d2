"""The demo: seeded users, projects, rulebooks, training and work for ``annotate demo``."""
