"""System: the API root, users and authentication, events and jobs."""
