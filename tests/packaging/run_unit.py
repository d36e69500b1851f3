#!/usr/bin/python3
"""Starts a systemd service's ExecStart inside a root directory as systemd would, for the package
install test (tests/packaging/install_test.sh) where systemd is not PID 1: the unit's User= and
Group=, Environment= and EnvironmentFile=, StateDirectory= (created, owned by the user,
$STATE_DIRECTORY) and LoadCredential= ($CREDENTIALS_DIRECTORY). Replaces itself with the
service's process (chroot --userspec), so the caller's pid is the service's.

Usage: run_unit.py ROOT UNIT_NAME
"""
import os
import re
import shlex
import shutil
import sys


# Where systemd looks for a credential named without a path, in this order.
CREDENTIAL_STORES = ("etc/credstore", "run/credstore", "usr/local/lib/credstore", "usr/lib/credstore")

def read_unit(path):
    """The [Service] section's settings, each a list of values in file order."""
    settings, section = {}, None
    with open(path, encoding="utf-8") as unit:
        for raw in unit:
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = line
                continue
            if section == "[Service]" and "=" in line:
                key, value = line.split("=", 1)
                settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def read_environment_file(path):
    values = {}
    with open(path, encoding="utf-8") as lines:
        for raw in lines:
            line = raw.strip()
            if line and not line.startswith(("#", ";")) and "=" in line:
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip().strip('"')
    return values


def expand(word, environment):
    """systemd's ${NAME} and $NAME in a command line word."""
    def value(match):
        name = match.group(1) or match.group(2)
        if name not in environment:
            sys.exit(f"run_unit: ExecStart uses ${name}, which neither the unit nor its environment files set")
        return environment[name]
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, word)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, unit_name = sys.argv[1], sys.argv[2]
    unit_path = next((os.path.join(root, directory, unit_name) for directory in
                      ("etc/systemd/system", "lib/systemd/system", "usr/lib/systemd/system")
                      if os.path.exists(os.path.join(root, directory, unit_name))), None)
    if unit_path is None:
        sys.exit(f"run_unit: no unit {unit_name} under {root}")
    settings = read_unit(unit_path)
    if len(settings.get("ExecStart", [])) != 1:
        sys.exit(f"run_unit: {unit_name} must have exactly one ExecStart=")
    user = settings.get("User", ["root"])[-1]
    group = settings.get("Group", [user])[-1]

    environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    for assignment in settings.get("Environment", []):
        for word in shlex.split(assignment):
            key, value = word.split("=", 1)
            environment[key] = value
    for entry in settings.get("EnvironmentFile", []):
        optional = entry.startswith("-")
        path = os.path.join(root, entry.lstrip("-").lstrip("/"))
        if os.path.exists(path):
            environment.update(read_environment_file(path))
        elif not optional:
            sys.exit(f"run_unit: EnvironmentFile {entry} is missing")

    user_ids = group_ids = None
    for line in open(os.path.join(root, "etc/passwd"), encoding="utf-8"):
        fields = line.split(":")
        if fields[0] == user:
            user_ids = (int(fields[2]), int(fields[3]))
    for line in open(os.path.join(root, "etc/group"), encoding="utf-8"):
        fields = line.split(":")
        if fields[0] == group:
            group_ids = int(fields[2])
    if user_ids is None or group_ids is None:
        sys.exit(f"run_unit: user {user} or group {group} of {unit_name} does not exist in {root}")

    state_mode = int(settings.get("StateDirectoryMode", ["0755"])[-1], 8)
    state_directories = []
    for entry in settings.get("StateDirectory", []):
        for name in entry.split():
            path = os.path.join(root, "var/lib", name)
            os.makedirs(path, exist_ok=True)
            os.chmod(path, state_mode)
            os.chown(path, user_ids[0], group_ids)
            state_directories.append("/var/lib/" + name)
    if state_directories:
        environment["STATE_DIRECTORY"] = ":".join(state_directories)

    credentials = settings.get("LoadCredential", [])
    if credentials:
        directory = os.path.join(root, "run/credentials", unit_name)
        os.makedirs(directory, exist_ok=True)
        for entry in credentials:
            name, _, source = entry.partition(":")
            if source:
                source_path = os.path.join(root, source.lstrip("/"))
                if not os.path.exists(source_path):
                    sys.exit(f"run_unit: credential {name} needs {source}, which is missing")
            else:
                # A bare ID is looked up in the credential stores, and one found in none is not
                # passed (docs/deployment.md; systemd.exec(5), "LoadCredential=" without a path).
                found = [path for path in (os.path.join(root, store, name) for store in CREDENTIAL_STORES)
                         if os.path.exists(path)]
                if not found:
                    continue
                source_path = found[0]
            target = os.path.join(directory, name)
            shutil.copyfile(source_path, target)
            os.chown(target, user_ids[0], group_ids)
            os.chmod(target, 0o400)
        environment["CREDENTIALS_DIRECTORY"] = "/run/credentials/" + unit_name

    command = [expand(word, environment) for word in shlex.split(settings["ExecStart"][0].lstrip("-@+!:"))]
    if not os.path.exists(os.path.join(root, command[0].lstrip("/"))):
        sys.exit(f"run_unit: {unit_name}'s ExecStart names {command[0]}, which the installed packages do not have")
    print(f"run_unit: {unit_name} as {user}:{group}: {' '.join(command)}", file=sys.stderr, flush=True)
    os.execvp("chroot", ["chroot", f"--userspec={user}:{group}", root, "env", "-i"]
              + [f"{key}={value}" for key, value in environment.items()] + command)


if __name__ == "__main__":
    main()
