"""Projects, their label schemas, and what an item's payload and an annotation's value may be."""
