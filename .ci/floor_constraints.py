"""Print pip constraints pinning every core dependency to its declared floor.

Reads ``[project].dependencies`` of ``pyproject.toml`` and turns each
``name>=X`` into ``name==X``, so the floor tier of ``.ci/run`` tests exactly the
oldest versions that ``pyproject.toml`` admits: raising a floor there raises
the tested version with it, and no tested version can drift above the promise.

Usage: ``python .ci/floor_constraints.py [pyproject.toml] > constraints.txt``
"""

import re
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11: pip vendors tomli
    from pip._vendor import tomli as tomllib

_FLOOR = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*"
    r"(?P<spec>[^;]*?)\s*(?:;.*)?$"
)


def floor_constraints(pyproject):
    with open(pyproject, "rb") as f:
        dependencies = tomllib.load(f)["project"]["dependencies"]
    lines = []
    for dependency in dependencies:
        match = _FLOOR.match(dependency)
        if match is None:
            raise SystemExit(f"cannot parse dependency {dependency!r}")
        floors = [
            clause.strip()[2:].strip()
            for clause in match["spec"].split(",")
            if clause.strip().startswith(">=")
        ]
        if len(floors) != 1:
            raise SystemExit(
                f"dependency {dependency!r} has no single '>=' floor to test"
            )
        lines.append(f"{match['name']}=={floors[0]}")
    return lines


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml"
    print("\n".join(floor_constraints(path)))
