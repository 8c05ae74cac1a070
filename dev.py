#!/usr/bin/env python3
"""One entry point for people: set up the virtual environment, then run the stack or the tests.

    python3 dev.py up      # the whole stack on an embedded PostgreSQL, with a sample Affärsträff
    python3 dev.py test    # the test suite (extra arguments go to pytest)

Only the standard library is used here, because this file runs before anything is installed.
The environment lives in .venv/ and is rebuilt when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed-from"
MIN_PYTHON = (3, 11)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def requirements_fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


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
    quiet = [] if os.environ.get("DEV_VERBOSE") else ["--quiet"]
    subprocess.run(
        [str(python), "-m", "pip", "install", *quiet, "--disable-pip-version-check", "-e", f"{ROOT}[test]"],
        check=True,
    )
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
