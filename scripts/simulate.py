#!/usr/bin/env python3
"""Simulated warehouse day for the demo (docs/demo.md): a catalog, opening balances, and floor
staff driving real `recount-agent scan` processes in line mode.

  scripts/simulate.py plan    --out DIR [--devices N] [--events N] [--seed S]
  scripts/simulate.py day     --fleet DIR --agent BIN
  scripts/simulate.py recount --fleet DIR --agent BIN
  scripts/simulate.py report  --fleet DIR --discrepancies FILE --tasks FILE

plan writes what the hub imports (items.csv, locations.csv, baseline.csv, policy.json), the
fleet (fleet.json), each device's scan scripts (hh-NN.receive.txt, hh-NN.count.txt) and the
simulator's model of the real shelves (truth.json). The shelves differ from the opening
balances where stock was lost or found, and the scripts carry the counters' mistakes
(miscounts, a case counted as eaches). The same seed gives the same day.

day types the scripts into one `recount-agent scan` per device: first every device's receiving
and put-away, then, once stock has stopped moving for longer than the policy's ambiguity
window, the cycle counts. recount answers the recount tasks a device holds: at each site a lead
(a user who counted nothing) recounts each task's position against the real shelves.
report prints the operator's summary from the hub's own answers (`recountctl ... --json`),
beside what the simulator injected."""
import argparse
import datetime
import json
import pathlib
import random
import signal
import subprocess
import sys
import threading
import time

SITES = ("north", "south")
# (class, name, cost range in cents, share of items sold in cases)
CATEGORIES = [
    ("grocery", ["Olive oil 500 ml", "Rice 1 kg", "Coffee beans 250 g", "Tomato passata 700 g", "Oat flakes 500 g",
                 "Sparkling water 1.5 l", "Dark chocolate 100 g", "Green tea 20 bags"], (89, 1299), 0.8),
    ("hardware", ["Hex bolt M6 x 40", "Hinge 75 mm", "Cable tie 200 mm", "Wood screw 4 x 30", "Shelf bracket",
                  "Wall plug 8 mm", "Door handle", "Padlock 40 mm"], (35, 2499), 0.5),
    ("electrical", ["LED bulb E27 9 W", "Fuse 10 A", "Extension lead 3 m", "AA battery 4-pack", "Light switch",
                    "USB-C cable 1 m", "Smoke detector", "Motion sensor"], (199, 8999), 0.3),
]
PACKS = (6, 12, 24)
# How the summary names the hub's classifications and resolutions (docs/reconciliation.md).
CLASSIFICATIONS = {"variance": "variance (shortage or overage)", "uom_error": "UoM error (a case counted as eaches)",
                   "ambiguous": "ambiguous (stock moved near the count)"}
RESOLUTIONS = {"count_error": "count error (the recount agreed with the ledger)",
               "adjusted": "confirmed by the recount and adjusted", "approved": "approved by an operator",
               "written_off": "written off by an operator", "rejected": "rejected by an operator",
               "late_movement": "explained by a movement that synced late", "count_completed": "count completed",
               "reevaluated": "re-evaluated under a new policy"}
DOUBLE_READ_RATE = 0.05
ERROR_RATES = {"shrinkage": 0.07, "found": 0.02, "miscount": 0.07, "case_as_each": 0.1}


def check_digit(digits):
    """GS1 check digit of the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def make_items(rng, count):
    items = []
    for index in range(count):
        item_class, names, (low, high), case_share = CATEGORIES[index % len(CATEGORIES)]
        name = names[(index // len(CATEGORIES)) % len(names)]
        variant = index // (len(CATEGORIES) * len(names))
        body = f"590123{index + 100000:06d}"[-12:]
        item = {"sku": f"SKU-{index + 1:04d}", "description": name + (f" ({variant + 1})" if variant else ""),
                "unit_cost_cents": rng.randint(low, high), "item_class": item_class,
                "each": body + check_digit(body), "case": None, "pack": 1}
        if rng.random() < case_share:
            item["pack"] = rng.choice(PACKS)
            case_body = "1" + body
            item["case"] = case_body + check_digit(case_body)
        items.append(item)
    return items


def opening_quantity(rng, item):
    if item["pack"] > 1:  # stored in full cases, sometimes with a few loose units
        loose = 0 if rng.random() < 0.6 else rng.randint(1, item["pack"] - 1)
        return rng.randint(1, 4) * item["pack"] + loose
    return rng.randint(2, 40)


def off_pack(rng, item, low, high):
    """A quantity in [low, high] that is no whole number of the item's packs, so that the hub
    does not mistake the variance it causes for a case counted as an each."""
    choices = [d for d in range(low, high + 1) if item["pack"] == 1 or d % item["pack"]]
    return rng.choice(choices)


def key(site, location, sku):
    return f"{site}|{location}|{sku}"


def count_lines(item, counted, as_each=False):
    """What a counter types for one SKU: a case or an each scanned, then #qty for the total."""
    if counted <= 0:
        return []  # nothing on the shelf, nothing scanned; #close makes it a zero
    if as_each:  # counted the cases on the shelf, but scanned the each barcode
        return [item["each"], f"#qty {counted}"] if counted != 1 else [item["each"]]
    if item["case"] and counted >= item["pack"]:
        return [item["case"]] + ([f"#qty {counted}"] if counted != item["pack"] else [])
    return [item["each"]] + ([f"#qty {counted}"] if counted != 1 else [])


def plan(args):
    rng = random.Random(args.seed)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    devices = []
    for index in range(1, args.devices + 1):
        devices.append({"device": f"hh-{index:02d}", "site": SITES[(index - 1) % len(SITES)],
                        "user": f"user-{index:02d}", "offline": index == args.devices and args.devices > 2})
    sites = sorted({d["site"] for d in devices})
    leads = {}
    for site in sites:
        online = [d for d in devices if d["site"] == site and not d["offline"]]
        leads[site] = {"device": online[0]["device"], "user": f"lead-{site}"}

    bins_per_device = max(2, args.events // 8)
    items = make_items(rng, max(12, min(400, args.devices * bins_per_device)))
    by_sku = {item["sku"]: item for item in items}
    plain_items = [item for item in items if item["pack"] == 1]
    baseline, truth, locations, injected = {}, {}, [], []
    count_plan = {d["device"]: [] for d in devices}  # device -> [(bin, label)]
    receive_scripts = {d["device"]: [] for d in devices}
    counted_by = {}
    for site in sites:
        site_devices = [d for d in devices if d["site"] == site]
        bins = []
        for n in range(bins_per_device * len(site_devices)):
            aisle, bay, level = "ABCDEFGHJK"[n // 40 % 10], n // 2 % 20 + 1, n % 2 + 1
            bins.append(f"{aisle}-{bay:02d}-{level}" + (f"-{n // 400}" if n >= 400 else ""))
        locations.append((site, "DOCK-1", "LOC-DOCK-1", "dock"))
        locations += [(site, code, f"LOC-{code}", "shelf") for code in bins]
        for code in bins:
            for item in rng.sample(items, rng.randint(1, 3)):
                baseline[key(site, code, item["sku"])] = opening_quantity(rng, item)
        shuffled = bins[:]
        rng.shuffle(shuffled)
        for n, code in enumerate(shuffled):
            device = site_devices[n % len(site_devices)]
            count_plan[device["device"]].append(code)
            counted_by[(site, code)] = device
        truth.update({k: v for k, v in baseline.items() if k.startswith(site + "|")})

        # Morning: each device receives a purchase order at the dock and puts it away. The
        # offline device's put-away reaches the hub only when it syncs, after other devices
        # counted those bins: the hub sees an overage that the late movement then explains.
        late_positions = set()
        for device in site_devices:
            lines = [f"#user {device['user']}", "#mode receive", "LOC-DOCK-1",
                     f"#ref PO-{rng.randint(4000, 4999)}"]
            received = []
            for _ in range(2):
                if device["offline"]:
                    targets = [c for c in bins if counted_by[(site, c)] is not device]
                    item = rng.choice(plain_items)
                    code = rng.choice(targets)
                    while key(site, code, item["sku"]) in truth:
                        item, code = rng.choice(plain_items), rng.choice(targets)
                    qty = rng.choice([10, 20, 30])
                    late_positions.add(key(site, code, item["sku"]))
                    injected.append({"kind": "late_putaway", "site": site, "location": code, "sku": item["sku"],
                                     "qty": qty, "device": device["device"]})
                else:
                    item = rng.choice([i for i in items if i["case"]])
                    code = rng.choice(bins)
                    qty = rng.randint(1, 3) * item["pack"]
                received.append((item, code, qty))
                lines += [item["each"] if item["pack"] == 1 else item["case"], f"#qty {qty}"]
            lines += ["#mode putaway"]
            for item, code, qty in received:
                lines += ["LOC-DOCK-1", f"LOC-{code}", item["each"] if item["pack"] == 1 else item["case"],
                          f"#qty {qty}"]
                truth[key(site, code, item["sku"])] = truth.get(key(site, code, item["sku"]), 0) + qty
            receive_scripts[device["device"]] = lines

        # The real shelves: stock lost (theft, unrecorded damage) or found (a misplaced case),
        # never on a position whose late put-away is already the story.
        positions = sorted(k for k in truth if k.startswith(site + "|") and k not in late_positions)
        rng.shuffle(positions)
        pick = {}
        for kind in ("shrinkage", "found", "miscount"):
            wanted = max(1, round(ERROR_RATES[kind] * len(positions)))
            pick[kind] = [positions.pop() for _ in range(min(wanted, len(positions)))]
        eligible = [k for k in positions
                    if by_sku[k.split("|")[2]]["case"] and truth[k] % by_sku[k.split("|")[2]]["pack"] == 0]
        pick["case_as_each"] = eligible[:max(1, round(ERROR_RATES["case_as_each"] * len(eligible)))]
        for kind, chosen in pick.items():
            for k in chosen:
                _, code, sku = k.split("|")
                item = by_sku[sku]
                record = {"kind": kind, "site": site, "location": code, "sku": sku,
                          "device": counted_by[(site, code)]["device"], "unit_cost_cents": item["unit_cost_cents"]}
                if kind == "shrinkage":
                    record["qty"] = -off_pack(rng, item, 1, min(5, truth[k]))
                    truth[k] += record["qty"]
                elif kind == "found":
                    record["qty"] = off_pack(rng, item, 1, 4)
                    truth[k] += record["qty"]
                elif kind == "miscount":
                    record["qty"] = rng.choice([-1, 1]) * off_pack(rng, item, 1, 3)
                    if truth[k] + record["qty"] < 1:
                        record["qty"] = -record["qty"]
                injected.append(record)

    # Cycle counts: every bin of the site once, by one device's user, with the mistakes above.
    mistakes = {key(r["site"], r["location"], r["sku"]): r for r in injected
                if r["kind"] in ("miscount", "case_as_each")}
    count_scripts = {}
    double_reads = 0
    for device in devices:
        lines = [f"#user {device['user']}", "#mode count"]
        for code in count_plan[device["device"]]:
            lines.append(f"LOC-{code}")
            for k in sorted(k for k in truth if k.startswith(f"{device['site']}|{code}|")):
                item = by_sku[k.split("|")[2]]
                mistake = mistakes.get(k)
                if mistake and mistake["kind"] == "case_as_each":
                    lines += count_lines(item, truth[k] // item["pack"], as_each=True)
                elif mistake:
                    lines += count_lines(item, truth[k] + mistake["qty"])
                else:
                    lines += count_lines(item, truth[k])
                    if truth[k] > 0 and rng.random() < DOUBLE_READ_RATE:
                        # The scanner read the last code twice: the screen says REPEAT SCAN and
                        # the counter takes it back, so the count stays right.
                        lines += [lines[-2] if lines[-1].startswith("#qty") else lines[-1], "#undo"]
                        double_reads += 1
            lines.append("#close")
        count_scripts[device["device"]] = lines

    as_of = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - datetime.timedelta(minutes=1)
    write_csv(out / "items.csv", ["sku", "description", "unit_cost_cents", "item_class", "barcode", "pack_qty"],
              [row for item in items for row in item_rows(item)])
    write_csv(out / "locations.csv", ["site", "location", "label", "location_class"], locations)
    write_csv(out / "baseline.csv", ["site", "location", "sku", "lot", "quantity", "as_of"],
              [(*k.split("|"), "", qty, as_of.isoformat()) for k, qty in sorted(baseline.items())])
    policy = {"ambiguity_window_ms": 1000, "settle_delay_ms": 1000, "max_recount_rounds": 2,
              "approval_limit_cents": 5000, "tolerances": [{"shortage": {"units": 0}, "overage": {"units": 0}}],
              # A count plan (docs/investigation.md): every shelf weekly, from two weeks ago, so the
              # shelves the day counts are done and the others are overdue.
              "plans": [{"name": "shelves-weekly", "location_classes": ["shelf"], "every_days": 7,
                         "owner": "shift-lead", "start": (as_of.date() - datetime.timedelta(days=14)).isoformat()}]}
    (out / "policy.json").write_text(json.dumps(policy, indent=2) + "\n")
    (out / "fleet.json").write_text(json.dumps({"devices": devices, "leads": leads}, indent=2) + "\n")
    (out / "truth.json").write_text(json.dumps({"shelves": truth, "items": by_sku, "injected": injected,
                                                "recounted": []}, indent=2) + "\n")
    for device in devices:
        (out / f"{device['device']}.receive.txt").write_text("\n".join(receive_scripts[device["device"]]) + "\n")
        (out / f"{device['device']}.count.txt").write_text("\n".join(count_scripts[device["device"]]) + "\n")
    kinds = {}
    for record in injected:
        kinds[record["kind"]] = kinds.get(record["kind"], 0) + 1
    print(f"   {len(items)} items ({sum(1 for i in items if i['case'])} with case barcodes), "
          f"{len(locations)} locations at {len(sites)} sites, {len(baseline)} opening balances; "
          f"{len(devices)} devices, {sum(len(s) for s in count_scripts.values())} count lines to type")
    print("   injected: " + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(kinds.items()))
          + f"; {double_reads} double reads taken back with #undo")


def item_rows(item):
    base = [item["sku"], item["description"], item["unit_cost_cents"], item["item_class"]]
    rows = [base + [item["each"], 1]]
    if item["case"]:
        rows.append(base + [item["case"], item["pack"]])
    return rows


def write_csv(path, header, rows):
    def field(value):
        text = str(value)
        return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text
    with open(path, "w") as out:
        out.write(",".join(header) + "\n")
        for row in rows:
            out.write(",".join(field(value) for value in row) + "\n")


class Scanner:
    """One `recount-agent scan --plain` process. Every typed line gets one answer line (`#tasks`
    adds an indented line per task); a `refused:` answer means the simulator typed something the
    floor UI would not take, which is a failure of the demo."""

    def __init__(self, agent, data_dir):
        self.process = subprocess.Popen([agent, "scan", "--data", str(data_dir), "--plain"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.name = pathlib.Path(data_dir).name
        self.answered = 0
        status = self.process.stdout.readline()
        if not status.startswith("status:"):
            raise RuntimeError(f"{self.name}: recount-agent scan did not start: {status}{self.process.stderr.read()}")

    def type(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().rstrip("\n")
        self.answered += 1
        if not answer or answer.startswith("refused:"):
            raise RuntimeError(f"{self.name}: '{line}' was answered '{answer or 'with nothing'}'")
        return answer

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_scripts(agent, fleet_dir, scripts, title):
    """Types each device's script into its own scanner, all devices at once; prints progress."""
    total = sum(len(lines) for lines in scripts.values())
    scanners, failures = [], []

    def work(device, lines):
        try:
            scanner = Scanner(agent, fleet_dir / device)
            scanners.append(scanner)
            for line in lines:
                scanner.type(line)
        except Exception as error:  # reported below, after every device stopped
            failures.append(str(error))

    threads = [threading.Thread(target=work, args=item, daemon=True) for item in scripts.items()]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 600
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
            time.sleep(0.25)
            print(f"\r   {title}: {sum(s.answered for s in scanners)} of {total} scan lines confirmed", end="",
                  flush=True)
        print()
        if any(t.is_alive() for t in threads):
            failures.append(f"{title} did not finish within 600 s")
    finally:
        for scanner in scanners:
            scanner.close()
    if failures:
        sys.exit("simulate.py: " + "; ".join(failures))


def day(args):
    fleet = json.loads((args.fleet / "fleet.json").read_text())
    policy = json.loads((args.fleet / "policy.json").read_text())
    devices = [d["device"] for d in fleet["devices"]]
    read = lambda device, phase: (args.fleet / f"{device}.{phase}.txt").read_text().splitlines()
    run_scripts(args.agent, args.fleet, {d: read(d, "receive") for d in devices}, "receiving and put-away")
    # Stock moving close to a count makes the count ambiguous (docs/reconciliation.md); the
    # counts start once the morning's movements are further away than the policy's window.
    time.sleep(policy["ambiguity_window_ms"] / 1000 + 0.5)
    run_scripts(args.agent, args.fleet, {d: read(d, "count") for d in devices}, "cycle counts")


def recount(args):
    fleet = json.loads((args.fleet / "fleet.json").read_text())
    truth_path = args.fleet / "truth.json"
    truth = json.loads(truth_path.read_text())
    done = set(truth["recounted"])
    recounted = 0
    for site, lead in sorted(fleet["leads"].items()):
        scanner = Scanner(args.agent, args.fleet / lead["device"])
        try:
            current_user = lead["user"]
            scanner.type(f"#user {current_user}")
            listing = scanner.type("#tasks")
            tasks = [scanner.process.stdout.readline().strip() for _ in range(int(listing.split()[1]))]
            for task in tasks:
                # "RECOUNT ID at LOCATION ..." or "PLANNED ID at ...": the leads answer the recounts;
                # the plan's counts are the day's cycle counts' business.
                kind, task_id, _, location = task.split()[:4]
                if kind != "RECOUNT" or task_id in done:
                    continue
                sku = task.split(" sku ")[1].split()[0] if " sku " in task else None
                # A later round excludes whoever recounted the round before: a second lead takes it.
                user = lead["user"] if f"(not {lead['user']})" not in task else lead["user"] + "-2"
                if user != current_user:
                    scanner.type(f"#user {user}")
                    current_user = user
                scanner.type(f"#recount {task_id}")
                for k, qty in sorted(truth["shelves"].items()):
                    s, code, item_sku = k.split("|")
                    if s == site and code == location and (sku is None or item_sku == sku):
                        for line in count_lines(truth["items"][item_sku], qty):
                            scanner.type(line)
                scanner.type("#close")
                done.add(task_id)
                recounted += 1
        except Exception as error:
            sys.exit(f"simulate.py: recount at {site}: {error}")
        finally:
            scanner.close()
    truth["recounted"] = sorted(done)
    truth_path.write_text(json.dumps(truth, indent=2) + "\n")
    print(f"   {recounted} recount task(s) counted blind by the site leads")


def money(cents):
    return f"{'-' if cents < 0 else ''}${abs(cents) / 100:,.2f}"


def report(args):
    discrepancies = json.loads(args.discrepancies.read_text())["discrepancies"]
    tasks = json.loads(args.tasks.read_text())["tasks"]
    truth = json.loads((args.fleet / "truth.json").read_text())
    by = lambda field: {value: [d for d in discrepancies if d[field] == value]
                        for value in sorted({d[field] for d in discrepancies})}
    print(f"   discrepancies found: {len(discrepancies)}")
    for classification, found in by("classification").items():
        print(f"     {CLASSIFICATIONS.get(classification, classification):<50} {len(found)}")
    print("   how they ended:")
    for resolution, found in by("resolution").items():
        states = sorted({d["state"] for d in found})
        print(f"     {RESOLUTIONS.get(resolution, resolution) if resolution != 'none' else 'open: ' + ', '.join(states):<50}"
              f" {len(found)}")
    states = {state: sum(1 for t in tasks if t["state"] == state) for state in ("done", "cancelled", "open")}
    print(f"   recount tasks: {len(tasks)} dispatched, {sum(1 for t in tasks if t['acked_ms'])} received by a device, "
          f"{states['done']} recounted, {states['cancelled']} withdrawn by the hub, {states['open']} open")
    adjusted = [d for d in discrepancies if d["adjust_qty"]]
    # The hub prices a discrepancy as variance x unit cost; an adjustment carries the quantity.
    value = lambda d: d["adjust_qty"] * d["value_cents"] // d["variance"] if d["variance"] else 0
    print(f"   adjustments: {len(adjusted)}, {sum(d['adjust_qty'] for d in adjusted):+d} units, "
          f"net {money(sum(value(d) for d in adjusted))} "
          f"(written off {money(sum(value(d) for d in adjusted if d['adjust_qty'] < 0))}, "
          f"found {money(sum(value(d) for d in adjusted if d['adjust_qty'] > 0))})")
    waiting = [d for d in discrepancies if d["state"] in ("awaiting_approval", "awaiting_review")]
    if waiting:
        print(f"   waiting for an operator: {len(waiting)}, variances worth "
              f"{money(sum(abs(d['value_cents']) for d in waiting))}")
        for d in waiting[:5]:
            print(f"     #{d['id']} {d['site']}/{d['location']}/{d['sku']} {d['state']}: expected {d['expected']}, "
                  f"counted {d['counted']} ({money(d['value_cents'])}, {d['classification']})")
    kinds = {}
    for record in truth["injected"]:
        kinds[record["kind"]] = kinds.get(record["kind"], 0) + 1
    print("   (the simulator injected " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(kinds.items()))
          + ")")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    plan_parser = commands.add_parser("plan", help="write the catalog, opening balances, fleet and scan scripts")
    plan_parser.add_argument("--out", type=pathlib.Path, required=True)
    plan_parser.add_argument("--devices", type=int, default=8, help="handhelds, spread over two sites (at least 2)")
    plan_parser.add_argument("--events", type=int, default=60, help="roughly the scan lines each device types")
    plan_parser.add_argument("--seed", type=int, default=7)
    for name in ("day", "recount"):
        sub = commands.add_parser(name)
        sub.add_argument("--fleet", type=pathlib.Path, required=True)
        sub.add_argument("--agent", required=True, help="the recount-agent executable")
    report_parser = commands.add_parser("report", help="the operator's summary from recountctl's JSON")
    report_parser.add_argument("--fleet", type=pathlib.Path, required=True)
    report_parser.add_argument("--discrepancies", type=pathlib.Path, required=True)
    report_parser.add_argument("--tasks", type=pathlib.Path, required=True)
    args = parser.parse_args()
    if args.command == "plan" and args.devices < 2:
        parser.error("--devices: at least 2 (one site needs a device that stays online)")
    if args.command == "plan" and args.events < 16:
        parser.error("--events: at least 16")
    # SIGTERM from the demo's cleanup ends the scanners this process started, as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        {"plan": plan, "day": day, "recount": recount, "report": report}[args.command](args)
    except KeyboardInterrupt:  # the scanners were closed on the way out
        sys.exit(130)


if __name__ == "__main__":
    main()
