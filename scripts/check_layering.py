#!/usr/bin/env python3
"""The layering of STYLE.md, checked: agent → shared ← hub, and the CMake targets agree.

Two rules, each reported as file:line:
  1. includes: shared/ includes neither agent/ nor hub/; agent/ and hub/ never include each other;
     a test folder includes only what its suite is about (tests/support and tests/system: shared).
  2. links: every "component/..." a folder includes is reachable through the link dependencies
     of the target that compiles the folder, and no target links across agent ↔ hub or out of
     shared. An include that compiles only because a header happens to be header-only is caught.
Usage: scripts/check_layering.py [files...]  (no files: every C++ file git knows).
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = ("shared", "agent", "hub")
COMPONENT_TARGET = {"shared": "recount_shared", "agent": "recount_agent_core", "hub": "recount_hub_core"}

# Folder → (the target that compiles it, the components it may include). The longest prefix wins.
# bench/ and tests/fuzz/ are left out: each of their executables picks its own libraries.
FOLDERS = {
    "shared/": ("recount_shared", {"shared"}),
    "agent/": ("recount_agent_core", {"shared", "agent"}),
    "hub/": ("recount_hub_core", {"shared", "hub"}),
    "tests/support/": ("recount_test_support", {"shared"}),
    "tests/shared/": ("shared_tests", {"shared"}),
    "tests/agent/": ("agent_tests", {"shared", "agent"}),
    "tests/hub/": ("hub_tests", {"shared", "hub"}),
    "tests/system/": ("system_tests", {"shared"}),
}
# Pairs of targets that must never depend on each other, in either direction, nor shared on them.
FORBIDDEN_LINKS = [("recount_agent_core", "recount_hub_core"), ("recount_hub_core", "recount_agent_core"),
                   ("recount_shared", "recount_agent_core"), ("recount_shared", "recount_hub_core")]

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def folder_of(path):
    matches = [prefix for prefix in FOLDERS if path.startswith(prefix)]
    return max(matches, key=len) if matches else None


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def link_graph():
    """target → {linked target: "CMakeLists.txt:line"} from every target_link_libraries call, and
    from recount_test_suite(name deps...) in tests/CMakeLists.txt (name_tests links deps)."""
    graph = {}
    for cmake in sorted(ROOT.rglob("CMakeLists.txt")):
        relative = cmake.relative_to(ROOT)
        if relative.parts[0] in ("build", ".git"):
            continue
        text = cmake.read_text()
        calls = [(m.group(1), m.group(2), m.start()) for m in
                 re.finditer(r"target_link_libraries\(\s*([\w\-${}]+)([^)]*)\)", text)]
        calls += [(m.group(1) + "_tests", "recount_test_support " + m.group(2), m.start()) for m in
                  re.finditer(r"^recount_test_suite\((\w+)([^)]*)\)", text, re.MULTILINE)]
        for target, arguments, offset in calls:
            where = f"{relative}:{line_of(text, offset)}"
            for dependency in arguments.split():
                if dependency not in ("PUBLIC", "PRIVATE", "INTERFACE"):
                    graph.setdefault(target, {})[dependency] = where
    return graph


def reachable(graph, target):
    seen, stack = set(), [target]
    while stack:
        for dependency in graph.get(stack.pop(), {}):
            if dependency not in seen:
                seen.add(dependency)
                stack.append(dependency)
    return seen


def main(arguments):
    files = arguments or subprocess.run(["git", "ls-files", "*.cpp", "*.hpp"], cwd=ROOT, check=True,
                                        capture_output=True, text=True).stdout.split()
    graph = link_graph()
    problems = []
    for target, forbidden in FORBIDDEN_LINKS:
        for dependency, where in graph.get(target, {}).items():
            if dependency == forbidden or forbidden in reachable(graph, dependency):
                problems.append(f"{where}: {target} links {forbidden} through {dependency} (agent → shared ← hub)")
    for name in files:
        folder = folder_of(name)
        if folder is None or not (ROOT / name).is_file():
            continue
        target, allowed = FOLDERS[folder]
        linked = reachable(graph, target)
        for number, line in enumerate((ROOT / name).read_text().splitlines(), start=1):
            match = INCLUDE.match(line)
            if not match or match.group(1) not in COMPONENTS:
                continue
            component = match.group(1)
            if component not in allowed:
                problems.append(f"{name}:{number}: {folder} must not include {component}/ (agent → shared ← hub)")
            elif component != folder.rstrip("/") and COMPONENT_TARGET[component] not in linked:
                problems.append(f"{name}:{number}: includes {component}/ but {target} does not link "
                                f"{COMPONENT_TARGET[component]}")
    for problem in problems:
        print(f"layering: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
