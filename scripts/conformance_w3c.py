#!/usr/bin/python3
"""The W3C Feed Validation Service (../shared/validators/feedvalidator) over many feeds in one process,
for scripts/conformance.ts: starting Python and the validator once per feed would cost a second each.

Usage: /usr/bin/python3 conformance_w3c.py VALIDATORS_DIR FILE URL [FILE URL ...]
URL is where FILE was fetched from (the validator checks the feed's self link against it).
Prints a JSON list: [{"file", "feedType", "errors": [...], "warnings": [...]}], one per FILE.
Needs Debian's python3-libxml2, python3-rdflib and python3-html5lib (run under /usr/bin/python3).
"""
import json
import os
import sys

TYPES = {0: "unknown", 1: "RSS 1.0", 2: "RSS 2.0", 3: "Atom"}


def main():
    validators, pairs = sys.argv[1], sys.argv[2:]
    sys.path.insert(0, os.path.abspath(os.path.join(validators, "feedvalidator")))
    import urllib.request  # noqa: F401  (feedvalidator uses urllib.request without importing it)
    import urllib.error  # noqa: F401
    import feedvalidator
    from feedvalidator.logging import Error, Warning, ValidationFailure
    from feedvalidator.formatter.text_plain import Formatter

    results = []
    for path, url in zip(pairs[0::2], pairs[1::2]):
        feed_type = None
        try:
            with open(path, "rb") as fh:
                res = feedvalidator.validateStream(fh, firstOccurrenceOnly=1, contentType=None, base=url)
            events = res["loggedEvents"]
            feed_type = res.get("feedType")
        except ValidationFailure as vf:
            events = [vf.event]
        fmt = Formatter(events)
        describe = lambda ev: "%s %s" % (ev.__class__.__name__, fmt.format(ev))  # noqa: E731
        results.append({
            "file": path,
            "feedType": TYPES.get(feed_type, str(feed_type)),
            "errors": [describe(ev) for ev in events if isinstance(ev, Error)],
            "warnings": [describe(ev) for ev in events if isinstance(ev, Warning)],
        })
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
