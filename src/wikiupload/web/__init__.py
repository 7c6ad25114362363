"""HTTP endpoints and pages."""
