"""Deleting and restoring pages and files: the page archive, file history, log entries."""
