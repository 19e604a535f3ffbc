#!/usr/bin/env python3
"""Anchor for `roomctl list` on a file store: read every <safe>.json in the
directory, parse it, print roomName and createdAt (tab-separated)."""
import json
import os
import sys


def main() -> None:
    out = sys.stdout
    with os.scandir(sys.argv[1]) as entries:
        for entry in entries:
            if not entry.name.endswith(".json") or not entry.is_file():
                continue
            with open(entry.path, "rb") as f:
                room = json.loads(f.read())
            out.write(f"{room.get('roomName')}\t{room.get('createdAt')}\n")


if __name__ == "__main__":
    main()
