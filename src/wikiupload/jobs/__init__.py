"""A durable job queue in the database, and the workers that run its jobs."""
