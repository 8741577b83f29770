"""Storage: storage domains and their attachment to data centers, disks, and disk attachments."""
