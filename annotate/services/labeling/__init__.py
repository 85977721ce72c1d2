"""Labeling: the assignment engine (claims, leases) and annotations (submit, supersede, flag)."""
