"""Controls for tests: resets and named snapshots of the whole state, the engine's clock, the
request journal and fault rules.

Each control is a plain object of the engine (``EngineState.control``), callable in-process
(the pytest plugin's fixtures), served under :data:`CONTROL_ROOT` (same authentication as the
API, administrators only) and driven by ``engine-emu ctl``. They act on the process that serves
them: snapshots, the journal and fault rules live in its memory, so a harness talks to an
engine of one worker process (``serve``'s default).
"""
from __future__ import annotations

CONTROL_ROOT = "/ovirt-engine/emu"
