#!/usr/bin/python3
"""Feed reading half of scripts/conformance.ts: parses each file given on the command line with
Universal Feed Parser (Debian's python3-feedparser, hence /usr/bin/python3) and prints one JSON
object per file, so the TypeScript side can compare what a real reader saw with the JSON Feed.

Dates are printed as Unix seconds (UTC) because feedparser keeps only whole seconds."""

import calendar
import html
import json
import sys

import feedparser


def seconds(parsed):
    """struct_time in UTC -> Unix seconds, or None when feedparser found no date."""
    return None if parsed is None else calendar.timegm(parsed)


def shown_text(value, detail):
    """The text a reader shows: feedparser gives an HTML title (RSS titles are HTML) as HTML."""
    if value is not None and detail is not None and detail.get("type") == "text/html":
        return html.unescape(value)
    return value


def entry_summary(entry):
    return {
        "id": entry.get("id"),
        "title": shown_text(entry.get("title"), entry.get("title_detail")),
        "link": entry.get("link"),
        "published": seconds(entry.get("published_parsed")),
        "updated": seconds(entry.get("updated_parsed")),
        "authors": [a.get("name") for a in entry.get("authors", []) if a.get("name")],
        "tags": [t.get("term") for t in entry.get("tags", [])],
        "enclosures": [e.get("href") for e in entry.get("enclosures", [])],
    }


def file_summary(path):
    parsed = feedparser.parse(path)
    exception = parsed.get("bozo_exception")
    return {
        "file": path,
        "bozo": int(bool(parsed.get("bozo"))),
        "bozo_exception": None if exception is None else f"{type(exception).__name__}: {exception}",
        "version": parsed.get("version"),
        "title": shown_text(parsed.feed.get("title"), parsed.feed.get("title_detail")),
        "links": {link.get("rel", "alternate"): link.get("href") for link in parsed.feed.get("links", [])},
        "entries": [entry_summary(e) for e in parsed.entries],
    }


def main(paths):
    json.dump([file_summary(p) for p in paths], sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
