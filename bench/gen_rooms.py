#!/usr/bin/env python3
"""Writes N rooms into DIR the way the MovieMatch server does: one
<safe name>.json per room, pretty JSON with 2-space indentation, no trailing
newline. Rooms vary in size (0-40 ratings, 1-6 users) and carry an unknown
field, like a real store a few releases old. Deterministic for a given seed.

usage: gen_rooms.py --rooms N --out DIR [--seed S]
"""
import argparse
import json
import os
import random


def room(i, rng):
    users = [f"user{rng.randrange(500)}" for _ in range(rng.randint(1, 6))]
    created = 1_750_000_000_000 + rng.randrange(20_000_000_000)
    ratings = {}
    for _ in range(rng.randint(0, 40)):
        media = f"plex://movie/{rng.randrange(5000)}"
        ratings.setdefault(media, []).append(
            [rng.choice(users), rng.choice(["like", "dislike"]), created + rng.randrange(10_000_000)]
        )
    doc = {
        "roomName": f"bench room {i:06d}",
        "sort": rng.choice(["random", "rating"]),
        "roomType": rng.choice(["standard", "unanimous", "solo", "async"]),
        "createdAt": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T12:00:00.000Z",
        "creatorPlexUserId": str(rng.randrange(10_000)),
        "creatorPlexUsername": users[0],
        "ratings": ratings,
        "userProgress": {u: rng.randrange(200) for u in users},
        "zBenchExtra": {"generation": 1},
    }
    if i % 3 == 0:
        doc["password"] = f"pw{i}"
    return doc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    for i in range(args.rooms):
        doc = room(i, rng)
        safe = "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "_" for c in doc["roomName"])
        with open(os.path.join(args.out, safe + ".json"), "w") as f:
            f.write(json.dumps(doc, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
