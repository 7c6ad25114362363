"""Accounts, passwords, bot passwords, sessions, tokens and rights."""
