"""Accounts: users, memberships and personal API tokens."""
