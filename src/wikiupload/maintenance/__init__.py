"""Maintenance of a repository: checking stored files against the database, and repairs."""
