"""Snapshots of VMs: their configurations and disk images, and preview, commit, undo and restore."""
