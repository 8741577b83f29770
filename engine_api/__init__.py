"""engine-emu: a stateful emulator of the oVirt engine REST API v4."""
