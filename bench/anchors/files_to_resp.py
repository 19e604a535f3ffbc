#!/usr/bin/env python3
"""Anchor for `roomctl migrate-backend` file -> Redis: read every room file,
re-serialise it compactly (as JSON.stringify does) and write RESP
`SET room:<roomName> <json>` commands to stdout for `redis-cli --pipe`."""
import json
import os
import sys


def bulk(data: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(data), data)


def main() -> None:
    out = sys.stdout.buffer
    with os.scandir(sys.argv[1]) as entries:
        for entry in entries:
            if not entry.name.endswith(".json") or not entry.is_file():
                continue
            with open(entry.path, "rb") as f:
                room = json.loads(f.read())
            value = json.dumps(room, ensure_ascii=False, separators=(",", ":"))
            key = "room:" + room["roomName"]
            out.write(b"*3\r\n$3\r\nSET\r\n" + bulk(key.encode()) + bulk(value.encode()))


if __name__ == "__main__":
    main()
