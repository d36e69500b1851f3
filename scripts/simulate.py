#!/usr/bin/env python3
"""Simulated fleet for the demo: one JSONL file of floor events per device (what
`recount-agent record --jsonl` reads), spread over two sites.

  scripts/simulate.py --devices N --events N --seed S --out DIR

Each device gets DIR/hh-NN.jsonl and DIR/hh-NN.site. Events are cycle counts with realistic
errors, receipts at the dock against purchase orders, put-away from the dock to bins, moves and
damage adjustments. The same seed gives the same fleet."""
import argparse
import json
import pathlib
import random

SKUS = [f"SKU-{n:04d}" for n in range(1, 61)]
BINS = [f"{aisle}-{bay:02d}-{level}" for aisle in "ABC" for bay in range(1, 9) for level in (1, 2)]


def device_events(rng, count, user):
    events = []
    while len(events) < count:
        kind = rng.choices(["count", "receive", "move", "adjust"], weights=[6, 2, 1, 1])[0]
        sku, location = rng.choice(SKUS), rng.choice(BINS)
        if kind == "count":
            events.append({"type": "count", "location": location, "sku": sku, "qty": rng.randint(0, 48),
                           "session": f"cs-{user}", "user": user})
        elif kind == "receive":
            qty = rng.choice([12, 24, 36])
            reference = f"PO-{rng.randint(1000, 1099)}"
            events.append({"type": "receive", "location": "DOCK-1", "sku": sku, "qty": qty, "ref": reference, "user": user})
            events.append({"type": "putaway", "location": "DOCK-1", "to": location, "sku": sku, "qty": qty, "user": user})
        elif kind == "move":
            destination = rng.choice([b for b in BINS if b != location])
            events.append({"type": "move", "location": location, "to": destination, "sku": sku,
                           "qty": rng.randint(1, 6), "user": user})
        else:
            events.append({"type": "adjust", "location": location, "sku": sku, "qty": -rng.randint(1, 3),
                           "reason": "damage", "user": user})
    return events[:count]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=8)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    for index in range(1, args.devices + 1):
        device = f"hh-{index:02d}"
        site = "north" if index % 2 else "south"
        (args.out / f"{device}.site").write_text(site)
        with open(args.out / f"{device}.jsonl", "w") as out:
            for event in device_events(rng, args.events, f"user-{index:02d}"):
                out.write(json.dumps(event) + "\n")


if __name__ == "__main__":
    main()
