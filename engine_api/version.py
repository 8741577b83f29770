"""The engine version engine-emu presents itself as."""

PRODUCT_NAME = "oVirt Engine"
PRODUCT_VENDOR = "ovirt.org"
#: major, minor, build, revision of the emulated engine.
ENGINE_VERSION = (4, 5, 6, 0)
