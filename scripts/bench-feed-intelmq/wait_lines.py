#!/usr/bin/env python3
"""Waits until FILE holds at least N lines; prints the wall-clock time (seconds since the epoch) it
saw the N-th line. It reads only what was appended since its last look (a 100,000-event output of
~70 MB is read once, not once per poll), so polling takes next to nothing from the bots measured.

usage: wait_lines.py FILE N TIMEOUT_SECONDS STALL_SECONDS
exits 1 (with how many lines it saw) when TIMEOUT passes, or when the file has not grown for STALL.
"""
import os
import sys
import time


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    path, want = sys.argv[1], int(sys.argv[2])
    timeout, stall = float(sys.argv[3]), float(sys.argv[4])
    start = last_growth = time.time()
    lines = 0
    handle = None
    while True:
        now = time.time()
        if handle is None and os.path.exists(path):
            handle = open(path, "rb")
        if handle is not None:
            chunk = handle.read()
            if chunk:
                lines += chunk.count(b"\n")
                last_growth = now
                if lines >= want:
                    print("%.6f" % time.time())
                    return
        if now - start > timeout:
            sys.exit("timed out after %.0f s with %d of %d lines in %s" % (now - start, lines, want, path))
        if now - last_growth > stall:
            sys.exit("no new line for %.0f s (%d of %d lines in %s)" % (now - last_growth, lines, want, path))
        time.sleep(0.05)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
