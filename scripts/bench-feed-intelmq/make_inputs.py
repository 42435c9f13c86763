#!/usr/bin/env python3
"""Writes the inputs of scripts/bench-feed-intelmq.sh, the same every time.

  feed.csv    a header line `ip,category,first_seen`, then LINES rows of distinct IPv4 addresses
              (a botnet C2 / scanner feed): 250 addresses in each of 400 /16 networks, the
              networks interleaved so the file is not sorted; 10.0/16-10.39/16 are the first 40
              networks (10 % of the rows fall in the constituency 10.0.0.0/8).
  ip2asn.tsv  one ip2asn range per /16 network used (range_start, range_end, AS_number,
              country_code, AS_description, tab-separated), covering every address of the feed.

usage: make_inputs.py DIR [LINES]
"""
import os
import sys

NETWORKS = 400
COUNTRIES = ["NL", "DE", "FR", "US", "BR", "RU", "CN", "IN", "JP", "ZA"]


def network(k):
    """The k-th /16 network: (first octet, second octet)."""
    if k < 40:
        return 10, k
    k -= 40
    return 45 + k // 256, k % 256


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    lines = int(sys.argv[2]) if len(sys.argv) == 3 else 100_000
    per_network = -(-lines // NETWORKS)
    if per_network > 256 * 254:  # (c, d) below are distinct up to there
        sys.exit("too many lines for %d networks" % NETWORKS)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "feed.csv"), "w", newline="\n") as f:
        f.write("ip,category,first_seen\n")
        for i in range(lines):
            a, b = network(i % NETWORKS)
            j = i // NETWORKS  # distinct within the network
            c, d = j % 256, 1 + (j // 256 + 37 * (j % 256)) % 254
            category = "c2-server" if i % 3 == 0 else "scanner"
            seconds = i % 86_400
            first_seen = "2026-11-%02dT%02d:%02d:%02d+00:00" % (
                1 + (i // 86_400) % 28, seconds // 3600, seconds // 60 % 60, seconds % 60)
            f.write("%d.%d.%d.%d,%s,%s\n" % (a, b, c, d, category, first_seen))
    with open(os.path.join(out, "ip2asn.tsv"), "w", newline="\n") as f:
        for k in range(NETWORKS):
            a, b = network(k)
            f.write("%d.%d.0.0\t%d.%d.255.255\t%d\t%s\tBENCH-NET-%03d Example hosting\n" % (
                a, b, a, b, 64_512 + k, COUNTRIES[k % len(COUNTRIES)], k))


if __name__ == "__main__":
    main()
