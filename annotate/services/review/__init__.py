"""Review: seeded sample plans, reviewers' verdicts, batch decisions."""
