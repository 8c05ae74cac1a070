"""constraints.txt pins the whole tree that pyproject.toml asks for, within what pyproject.toml allows.

``dev.py`` installs with it, so a fresh clone installs what CI tested; ``python3 dev.py lock`` rewrites it.
A dependency added to pyproject.toml without re-locking, or a pin outside the range pyproject.toml
allows (pip would refuse to install), fails here rather than on a newcomer's machine.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def pins() -> dict[str, Version]:
    found: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, pinned = line.partition("==")
        assert pinned, f"constraints.txt: {line!r} is not an exact pin (name==version)"
        key = canonicalize_name(name)
        assert key not in found, f"constraints.txt pins {name} twice"
        found[key] = Version(pinned)
    return found


def declared() -> list[Requirement]:
    with (ROOT / "pyproject.toml").open("rb") as stream:
        project = tomllib.load(stream)["project"]
    return [Requirement(text) for text in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pinned = pins()
    requirements = [r for r in declared() if r.marker is None or r.marker.evaluate()]
    missing = sorted(r.name for r in requirements if canonicalize_name(r.name) not in pinned)
    assert not missing, f"not in constraints.txt (run python3 dev.py lock): {missing}"
    outside = sorted(
        f"{r.name}=={pinned[canonicalize_name(r.name)]} ∉ {r.specifier}"
        for r in requirements
        if not r.specifier.contains(pinned[canonicalize_name(r.name)], prereleases=True)
    )
    assert not outside, f"constraints.txt pins outside pyproject.toml's ranges: {outside}"


def test_the_environment_running_the_tests_was_installed_from_the_pins() -> None:
    """What runs these tests is what constraints.txt says (dev.py installs with ``-c constraints.txt``)."""
    differing = []
    for name, pinned in pins().items():
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            continue  # a platform-specific package of another machine's tree
        if installed != pinned:
            differing.append(f"{name}: installed {installed}, pinned {pinned}")
    assert not differing, differing
