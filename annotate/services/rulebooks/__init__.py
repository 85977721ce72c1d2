"""Rulebooks: parsing, versions, files, quizzes, diffs and the immutability guard."""
