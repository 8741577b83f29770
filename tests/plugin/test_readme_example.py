"""The README's example test, copied into a new project that installs engine-emu, passes.

The project gets a virtual environment of its own, into which pip installs engine-emu from
this checkout (a regular install, not an editable one) and the SDK; the example runs there
with the plugin the installed package registers.
"""
from __future__ import annotations

import re
import subprocess
import venv
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
MARKER = "<!-- the example client project: tests/plugin/test_readme_example.py runs it -->"


def readme_example() -> tuple[str, str]:
    """The example's file name and code: the first Python block after the marker."""
    readme = (REPOSITORY / "README.md").read_text()
    assert MARKER in readme, "the README lost its example"
    block = re.search(r"```python\n(.*?)```", readme[readme.index(MARKER):], re.S)
    assert block is not None
    code = block.group(1)
    name = re.match(r"# (\S+\.py)\n", code)
    assert name is not None, "the example's first line names its file: # test_….py"
    return name.group(1), code


def test_the_readme_example_passes_in_a_new_project(tmp_path: Path) -> None:
    name, code = readme_example()
    project = tmp_path / "client-project"
    project.mkdir()
    (project / name).write_text(code)
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              str(REPOSITORY), "pytest", "ovirt-engine-sdk-python==4.6.3"],
                             capture_output=True, text=True, timeout=1200)
    assert install.returncode == 0, install.stdout + install.stderr
    shown = subprocess.run([str(python), "-c", "import engine_api, sys; print(engine_api.__file__)"],
                           capture_output=True, text=True, cwd=project)
    assert str(environment) in shown.stdout, "engine-emu must come from the new project's environment"
    run = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    tests = len(re.findall(r"^def test_", code, re.M))
    assert re.search(rf"\b{tests} passed\b", run.stdout), run.stdout[-2000:]
    assert "per-test resets" in run.stdout
