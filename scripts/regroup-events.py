#!/usr/bin/env python3
"""Rewrites an events file with each aggregate's lines closer together, keeping every
aggregate's own order: the bound on what grouping the input could gain `replay --input`
(BENCHMARKS.md, "Replay --input", round six). SPEC §4 orders events only per aggregate, so the
replay of the output gives the same tables except county `revision` and `as_of`.

  scripts/regroup-events.py IN OUT                       every aggregate's lines together
  scripts/regroup-events.py IN OUT --window N --buckets B
      blocks of N lines, each block's lines in B groups by a hash of the aggregate id

Lines that are not an event with a string aggregate id go to the end (whole-file grouping) or
to the first group of their block.
"""
import argparse
import json
import zlib

# The key field of each topic, by the prefix of `type` (SPEC §2).
KEY_FIELDS = {"volunteer": "volunteer_id", "hours": "volunteer_id",
              "activity": "activity_id", "need": "need_id"}


def aggregate(line):
    """(key field, id) of an event line, None when there is none."""
    try:
        event = json.loads(line)
        field = KEY_FIELDS.get(str(event.get("type", "")).split(".")[0])
        value = event.get(field) if field else None
    except (ValueError, AttributeError, RecursionError):  # not JSON, not an object, too deep
        return None
    return (field, value) if isinstance(value, str) else None


def group_all(lines, out):
    groups, rest = {}, []
    for line in lines:
        key = aggregate(line)
        (rest if key is None else groups.setdefault(key, [])).append(line)
    for group in groups.values():  # in order of first appearance
        out.writelines(group)
    out.writelines(rest)


def group_blocks(lines, out, window, buckets):
    block = []

    def flush():
        groups = [[] for _ in range(buckets)]
        for line in block:
            key = aggregate(line)
            group = 0
            if key is not None:  # "surrogatepass": JSON may spell lone surrogates
                group = zlib.crc32(key[1].encode("utf-8", "surrogatepass")) % buckets
            groups[group].append(line)
        for group in groups:
            out.writelines(group)
        block.clear()

    for line in lines:
        block.append(line)
        if len(block) == window:
            flush()
    flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--window", type=int, help="lines per block (default: the whole file)")
    parser.add_argument("--buckets", type=int, help="groups per block (default 64)")
    args = parser.parse_args()
    if args.window is None:
        if args.buckets is not None:
            parser.error("--buckets needs --window")
    elif args.buckets is None:
        args.buckets = 64
    if args.window is not None and (args.window < 1 or args.buckets < 1):
        parser.error("--window and --buckets must be positive")
    try:
        with open(args.input, "rb") as lines, open(args.output, "wb") as out:
            if args.window is None:
                group_all(lines, out)
            else:
                group_blocks(lines, out, args.window, args.buckets)
    except OSError as error:
        parser.exit(1, f"regroup-events.py: {error}\n")


if __name__ == "__main__":
    main()
