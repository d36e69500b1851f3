#!/usr/bin/env bash
# Package install test (docs/packaging.md): on a clean Debian root made with debootstrap from the
# mirror apt uses, installs recount-agent and recount-hub with apt as an operator would, provisions
# the agent, starts it as its systemd unit would (run_unit.py: systemd is not PID 1 here) and
# checks that it runs as the unit's user and publishes its journal to a broker on 127.0.0.1;
# then purges both packages and checks that nothing of them is left.
#
# Usage: tests/packaging/install_test.sh AGENT_DEB HUB_DEB
# Needs root, debootstrap and mosquitto (scripts/setup --package). The clean root is made once
# and kept in $RECOUNT_CLEAN_ROOT (default ~/.cache/recount/clean-root-bookworm, outside the clone
# so that later clones on the machine reuse it; 2-4 minutes and 210 MB); every run works on a fresh
# copy of it.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 AGENT_DEB HUB_DEB" >&2; exit 2; }
agent_deb="$(realpath "$1")"
hub_deb="$(realpath "$2")"
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
base="${RECOUNT_CLEAN_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/recount/clean-root-bookworm}"

fail() { echo "install_test: FAILED: $*" >&2; exit 1; }
step() { echo "install_test: $*" >&2; }

if [ ! -e "$base/.complete" ]; then
  # The mirror of the build machine's own apt sources: nothing comes from anywhere else.
  mirror="$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  step "making a clean bookworm root in $base from $mirror"
  rm -rf "$base"
  mkdir -p "$(dirname "$base")"
  debootstrap --variant=minbase bookworm "$base" "$mirror" >/dev/null
  touch "$base/.complete"
fi

work="$(mktemp -d)"
root="$work/root"
agent_pid=""
broker_pid=""
cleanup() {
  [ -z "$agent_pid" ] || kill "$agent_pid" 2>/dev/null || true
  [ -z "$broker_pid" ] || kill "$broker_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  mountpoint -q "$root/dev/pts" && umount "$root/dev/pts"
  mountpoint -q "$root/proc" && umount "$root/proc"
  rm -rf "$work"
}
trap cleanup EXIT
cp -a "$base/." "$root/"
rm -f "$root/.complete"
mount -t proc proc "$root/proc"
mount -t devpts -o newinstance devpts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# No service starts while packages are installed in a chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

# What the root holds, by path, and its users: compared before the packages and after their purge.
# The shadow tools' backups (/etc/shadow- and the like) appear with the first user added or removed.
snapshot() {
  (cd "$root" && find . -xdev \( -path ./proc -o -path ./tmp -o -path ./var/cache -o -path ./var/log \
      -o -path ./run -o -path ./var/lib/apt -o -path ./var/lib/dpkg -o -path './etc/*-' \) -prune -o -print | sort)
  cut -d: -f1 "$root/etc/passwd" "$root/etc/group" | sort
}

step "installing the packages' dependencies (apt-get satisfy, from the packages' Depends)"
in_root apt-get update -qq
depends="$(dpkg-deb -f "$agent_deb" Depends), $(dpkg-deb -f "$hub_deb" Depends)"
in_root apt-get satisfy -y -qq --no-install-recommends "$depends" >/dev/null
snapshot >"$work/before"

step "installing recount-agent and recount-hub"
cp "$agent_deb" "$hub_deb" "$root/tmp/"
in_root dpkg -i "/tmp/$(basename "$agent_deb")" "/tmp/$(basename "$hub_deb")" >/dev/null
for program in recount-agent recount-hub recountctl; do
  in_root "$program" --help >/dev/null || fail "$program does not start on the clean root"
done
in_root getent passwd recount-agent >/dev/null || fail "postinst made no recount-agent user"
in_root getent passwd recount-hub >/dev/null || fail "postinst made no recount-hub user"

step "provisioning the agent and starting its unit"
port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" >"$work/mosquitto.conf"
chmod 755 "$work"
mosquitto -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 &
broker_pid=$!
# The operator's provisioning: the broker in the unit's environment file, the device's ids, and a
# first scan recorded in the journal the unit will use.
sed -i "s|^RECOUNT_BROKER=.*|RECOUNT_BROKER=tcp://127.0.0.1:$port|; s|^#RECOUNT_SITE=.*|RECOUNT_SITE=site-1|; \
s|^#RECOUNT_DEVICE=.*|RECOUNT_DEVICE=device-1|" "$root/etc/default/recount-agent"
unit_user="$(sed -n 's/^User=//p' "$root/lib/systemd/system/recount-agent.service" | tail -1)"
unit_user="${unit_user:-root}"
state="$(sed -n 's/^StateDirectory=//p' "$root/lib/systemd/system/recount-agent.service" | tail -1)"
mkdir -p "$root/var/lib/$state"
chown "$(in_root id -u "$unit_user"):$(in_root id -g "$unit_user")" "$root/var/lib/$state"
chroot --userspec="$unit_user:$(in_root id -gn "$unit_user")" "$root" env -i PATH=/usr/bin:/bin \
  recount-agent record --data "/var/lib/$state" --site site-1 --device device-1 \
  count --location A-01 --sku SKU-1 --qty 3 --user installer >/dev/null

# The broker's subscriber waits for the agent's publication: at most 60 s, then the test fails.
mosquitto_sub -h 127.0.0.1 -p "$port" -t 'recount/v1/+/+/events' -C 1 -W 60 -v >"$work/received" 2>&1 &
subscriber_pid=$!
sleep 1
/usr/bin/python3 "$here/run_unit.py" "$root" recount-agent.service 2>"$work/agent.log" &
agent_pid=$!
# Fails at once when the agent exits instead of publishing (the loop is bounded like the subscriber).
for _ in $(seq 65); do
  kill -0 "$subscriber_pid" 2>/dev/null || break
  kill -0 "$agent_pid" 2>/dev/null || { cat "$work/agent.log" >&2; fail "the agent's unit exited before publishing"; }
  sleep 1
done
wait "$subscriber_pid" || { cat "$work/agent.log" >&2; fail "no event reached the broker from the agent's unit"; }
grep -q '^recount/v1/site-1/device-1/events ' "$work/received" || fail "unexpected publication: $(head -c 300 "$work/received")"
kill -0 "$agent_pid" 2>/dev/null || { cat "$work/agent.log" >&2; fail "the agent exited"; }
runs_as="$(ps -o uid= -p "$agent_pid" | tr -d " ")"
[ "$(in_root id -u "$unit_user")" = "$runs_as" ] || fail "the agent runs as $runs_as, its unit says $unit_user"
step "the agent runs as $unit_user and published its journal to the broker"
kill -TERM "$agent_pid"
agent_status=0
wait "$agent_pid" || agent_status=$?
agent_pid=""
[ "$agent_status" -eq 0 ] || { cat "$work/agent.log" >&2; fail "the agent exited with $agent_status on SIGTERM"; }

step "purging both packages"
in_root dpkg --purge recount-agent recount-hub >/dev/null
snapshot >"$work/after"
if ! diff -u "$work/before" "$work/after" >"$work/left" ; then
  cat "$work/left" >&2
  fail "purge left files or users behind"
fi
echo "install_test: 1 passed, 0 failed"
