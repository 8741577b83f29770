"""Roles, their permits, and the permissions that give users roles on objects."""
