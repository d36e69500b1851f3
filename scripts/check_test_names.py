#!/usr/bin/env python3
"""Every doctest case runs as exactly one CTest test of its own (scripts/check runs this).

doctest_discover_tests turns each case name into a CMake list element and a --test-case filter:
a ';' splits the name into tests that match no case (doctest then runs nothing and exits 0),
a ',' or '\\' or a wildcard changes what the filter matches, an unbalanced '[' joins lines.
So the names are checked against what actually runs: each CTest test's own command, given
--list-test-cases, must name exactly one case, the one its test name names, and every case of
every suite must be named so by exactly one test. Prints each problem; exits 1 on any, 2 when
the build directory (build/$RECOUNT_PRESET, default dev) has no built tests.
"""
import collections
import concurrent.futures
import json
import os
import subprocess
import sys

SEPARATOR = "=" * 79


def listed_cases(command):
    """The case names that doctest prints for `command --list-test-cases`."""
    output = subprocess.run(command + ["--list-test-cases"], capture_output=True, text=True,
                            check=True).stdout
    return [line for line in output.splitlines()
            if line and line != SEPARATOR and not line.startswith("[doctest] ")]


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    build = os.path.join("build", os.environ.get("RECOUNT_PRESET", "dev"))
    shown = subprocess.run(["ctest", "--test-dir", build, "--show-only=json-v1"],
                           capture_output=True, text=True, check=True).stdout
    tests = [(test["name"], [arg for arg in test["command"] if arg])
             for test in json.loads(shown).get("tests", [])
             if any(arg.startswith("--test-case=") for arg in test.get("command", []))]
    executables = sorted({command[0] for _, command in tests})
    if not executables:
        print(f"check_test_names: no tests in {build}: configure and build the tests first",
              file=sys.stderr)
        return 2

    # The suite's test prefix ("hub: ") is the test name's text before the case's own name.
    all_cases = {exe: listed_cases([exe]) for exe in executables}
    problems = []
    runs = collections.Counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        matched = pool.map(lambda test: listed_cases(test[1]), tests)
        for (name, command), cases in zip(tests, matched):
            exe = command[0]
            if len(cases) != 1:
                problems.append(f"ctest test '{name}' runs {len(cases)} cases"
                                + (": " + " | ".join(cases) if cases else ""))
                continue
            if not name.endswith(cases[0]):
                problems.append(f"ctest test '{name}' runs the case '{cases[0]}' of another name")
                continue
            runs[(exe, cases[0])] += 1
    for exe, cases in all_cases.items():
        for case in cases:
            count = runs[(exe, case)]
            if count != 1:
                problems.append(f"{os.path.basename(exe)}: case '{case}' runs in {count} ctest tests")
    for problem in problems:
        print(f"check_test_names: {problem}")
    if problems:
        print("check_test_names: rename those cases without ';', ',', '\\', '[', ']', '*' or '?'",
              file=sys.stderr)
        return 1
    print(f"check_test_names: {sum(runs.values())} cases, each one ctest test", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
