"""Data centers and clusters: the topology every other entity belongs to."""
