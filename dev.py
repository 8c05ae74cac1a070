#!/usr/bin/env python3
"""One entry point for people: set up the virtual environment, then run the stack or the tests.

    python3 dev.py up      # the whole stack on an embedded PostgreSQL, with a sample Affärsträff
    python3 dev.py test    # the test suite (extra arguments go to pytest)
    python3 dev.py lock    # after changing dependencies in pyproject.toml: pin the tree again

Only the standard library is used here, because this file runs before anything is installed.
The environment lives in .venv/ and is rebuilt when pyproject.toml or constraints.txt changes. It is
installed with constraints.txt, which pins every package of the tree to the version last tested, so a
fresh clone next year installs what CI tested today. `lock` rebuilds that file: it installs the project
into a scratch environment without constraints (the newest versions pyproject.toml allows) and writes
what got installed; run the tests, then commit both files.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed-from"
CONSTRAINTS = ROOT / "constraints.txt"
LOCK_HEADER = """\
# Every package of the project's tree (pyproject.toml with its [test] extra), pinned to the versions CI
# tested. dev.py installs with it (pip install -c constraints.txt). Regenerate after changing
# dependencies with: python3 dev.py lock
"""
MIN_PYTHON = (3, 11)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def requirements_fingerprint() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    if CONSTRAINTS.exists():
        digest.update(CONSTRAINTS.read_bytes())
    return digest.hexdigest()


def pip_install(python: Path, *args: str) -> None:
    quiet = [] if os.environ.get("DEV_VERBOSE") else ["--quiet"]
    subprocess.run([str(python), "-m", "pip", "install", *quiet, "--disable-pip-version-check", *args], check=True)


def lock() -> int:
    """Write constraints.txt from a scratch environment with the newest versions pyproject.toml allows."""
    with tempfile.TemporaryDirectory(prefix="affarstraff-lock-") as scratch:
        print("Installing the project without constraints into a scratch environment …", flush=True)
        venv.EnvBuilder(with_pip=True).create(scratch)
        python = Path(scratch) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        pip_install(python, f"{ROOT}[test]")
        frozen = subprocess.run(
            [str(python), "-m", "pip", "freeze", "--exclude-editable", "--disable-pip-version-check"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    pins = sorted(
        (line for line in frozen.splitlines() if "==" in line and not line.lower().startswith("affarstraff")),
        key=str.lower,
    )
    CONSTRAINTS.write_text(LOCK_HEADER + "\n".join(pins) + "\n")
    print(f"Wrote {len(pins)} pins to {CONSTRAINTS.name}; run python3 dev.py test, then commit it.")
    return 0


def ensure_environment() -> Path:
    """Create .venv and install the project into it unless it is already current."""
    python = venv_python()
    wanted = requirements_fingerprint()
    if python.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return python
    if not python.exists():
        print(f"Creating a virtual environment in {VENV} …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing the project and its dependencies (first run takes a minute) …", flush=True)
    pinned = ["-c", str(CONSTRAINTS)] if CONSTRAINTS.exists() else []
    pip_install(python, *pinned, "-e", f"{ROOT}[test]")
    STAMP.write_text(wanted)
    return python


def main(argv: list[str]) -> int:
    if sys.version_info < MIN_PYTHON:
        print(f"Python {'.'.join(map(str, MIN_PYTHON))} or newer is needed; this is {sys.version.split()[0]}.")
        return 2
    command, rest = (argv[0], argv[1:]) if argv else ("up", [])
    commands = {
        "up": ["-m", "deploy.local", *rest],
        "test": ["-m", "pytest", *rest],
        "lint": ["-m", "ruff", "check", str(ROOT), *rest],
    }
    if command == "lock":
        return lock()
    if command not in commands:
        print(__doc__)
        return 2
    python = ensure_environment()
    os.chdir(ROOT)
    if os.name == "posix":
        # Replace this process so that Ctrl-C and SIGTERM reach the stack directly and it can
        # shut down gracefully (a parent in between would kill it mid-shutdown).
        os.execv(python, [str(python), *commands[command]])
    try:
        return subprocess.run([str(python), *commands[command]]).returncode
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
