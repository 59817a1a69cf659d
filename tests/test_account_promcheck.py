#!/usr/bin/env python3
"""A strict checker for the Prometheus text format (version 0.0.4), as
node_exporter's textfile collector reads it, plus the lint rules of
`promtool check metrics`.  test_account.sh runs it on plex86's --metrics
file; `promtool check metrics` also runs there when it is installed.

usage: test_account_promcheck.py FILE [LABEL=VALUE]
Every sample must carry the label LABEL=VALUE when one is given.
Exit status 0 when the file is good; otherwise one line per problem.
"""
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?Inf|NaN")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class Bad(Exception):
    pass


def unescape(s, allowed):
    """Undo the format's escapes; `allowed` is the set of escaped chars."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if i + 1 >= len(s) or s[i + 1] not in allowed:
                raise Bad("bad escape in %r" % s)
            out.append("\n" if s[i + 1] == "n" else s[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_labels(s, pos):
    """Parses {a="b",...} from s[pos] == '{'; returns (labels, next pos)."""
    labels = {}
    pos += 1
    while True:
        if s[pos:pos + 1] == "}":
            return labels, pos + 1
        m = LABEL.match(s, pos)
        if not m:
            raise Bad("bad label name at column %d" % (pos + 1))
        name = m.group(0)
        if name.startswith("__"):
            raise Bad("reserved label name %s" % name)
        if name in labels:
            raise Bad("label %s given twice" % name)
        pos = m.end()
        if s[pos:pos + 2] != '="':
            raise Bad('expected =" after label %s' % name)
        pos += 2
        start = pos
        while pos < len(s) and s[pos] != '"':
            pos += 2 if s[pos] == "\\" else 1
        if pos >= len(s):
            raise Bad("unterminated label value")
        labels[name] = unescape(s[start:pos], {"\\", '"', "n"})
        pos += 1
        if s[pos:pos + 1] == ",":
            pos += 1
        elif s[pos:pos + 1] != "}":
            raise Bad("expected , or } after a label value")


def check(text, need_label):
    problems = []
    if not text.endswith("\n"):
        problems.append("the file does not end with a newline")
    helps, types, seen_series = {}, {}, set()
    done_families, current = set(), None
    nsamples = 0
    for n, line in enumerate(text.split("\n")[:-1], 1):
        try:
            if "\r" in line:
                raise Bad("carriage return")
            if line == "":
                continue
            if line.startswith("#"):
                parts = line.split(" ", 3)
                if len(parts) >= 3 and parts[0] == "#" and parts[1] in ("HELP", "TYPE"):
                    name = parts[2]
                    if not NAME.fullmatch(name):
                        raise Bad("bad metric name %r" % name)
                    if name in done_families or (current and current != name and name in types):
                        raise Bad("%s for %s after its samples" % (parts[1], name))
                    if parts[1] == "HELP":
                        if name in helps:
                            raise Bad("second HELP for %s" % name)
                        helps[name] = unescape(parts[3] if len(parts) > 3 else "", {"\\", "n"})
                    else:
                        if name in types:
                            raise Bad("second TYPE for %s" % name)
                        if len(parts) != 4 or parts[3] not in TYPES:
                            raise Bad("bad TYPE line")
                        types[name] = parts[3]
                continue
            m = NAME.match(line)
            if not m:
                raise Bad("bad metric name")
            name, pos = m.group(0), m.end()
            labels = {}
            if line[pos:pos + 1] == "{":
                labels, pos = parse_labels(line, pos)
            if line[pos:pos + 1] != " ":
                raise Bad("expected one space before the value")
            fields = line[pos + 1:].split(" ")
            if len(fields) != 1:
                raise Bad("timestamps or extra fields (the textfile collector refuses them)")
            if not FLOAT.fullmatch(fields[0]):
                raise Bad("bad value %r" % fields[0])
            value = float(fields[0])
            if name not in types:
                raise Bad("sample of %s before (or without) its TYPE" % name)
            if name not in helps:
                raise Bad("%s has no HELP" % name)
            if current != name:
                if current:
                    done_families.add(current)
                if name in done_families:
                    raise Bad("samples of %s are not together" % name)
                current = name
            key = (name, tuple(sorted(labels.items())))
            if key in seen_series:
                raise Bad("duplicate series %s%s" % (name, labels))
            seen_series.add(key)
            if types[name] == "counter":
                if not name.endswith("_total"):
                    raise Bad("counter %s does not end in _total" % name)
                if math.isnan(value) or value < 0:
                    raise Bad("counter %s is negative or NaN" % name)
            if need_label:
                k, v = need_label
                if labels.get(k) != v:
                    raise Bad('sample lacks %s="%s"' % (k, v))
            nsamples += 1
        except Bad as e:
            problems.append("line %d: %s: %s" % (n, e, line))
    for name in types:
        if name not in helps:
            problems.append("%s has a TYPE but no HELP" % name)
        if not any(s[0] == name for s in seen_series):
            problems.append("%s has no samples" % name)
    if nsamples == 0:
        problems.append("no samples")
    return problems


def main():
    if len(sys.argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    need = None
    if len(sys.argv) == 3:
        k, _, v = sys.argv[2].partition("=")
        need = (k, v)
    with open(sys.argv[1], "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        print("not UTF-8")
        return 1
    problems = check(text, need)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
