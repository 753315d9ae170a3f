#!/usr/bin/env python3
"""tests/cli/json_check.py SCHEMA COMMAND EXIT OUT ERR [CHECK...] — one `umd ... --json` run:
stdout (the file OUT) is exactly one JSON document that docs/schema/umd-1.json accepts,
names COMMAND and the exit status EXIT; stderr (ERR) holds no JSON; each CHECK, a Python
expression over the document `d`, is true."""
import json
import sys

import jsonschema

schema_path, command, want_exit, out_path, err_path, *checks = sys.argv[1:]
with open(schema_path) as f:
    schema = json.load(f)
with open(out_path, encoding="utf-8") as f:
    out = f.read()
with open(err_path, "rb") as f:
    err = f.read().decode("utf-8", "replace")


def fail(why):
    sys.exit(f"FAIL {command} (exit {want_exit}): {why}\n  stdout: {out}\n  stderr: {err}")


# Nothing but the document on stdout: json.loads refuses text before or after it.
try:
    d = json.loads(out)
except ValueError as e:
    fail(f"stdout is not one JSON document: {e}")
if not out.endswith("}\n"):
    fail("the document does not end in a line feed")
jsonschema.Draft202012Validator.check_schema(schema)   # the schema file itself is a valid JSON Schema
errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(d), key=lambda e: list(e.absolute_path))
if errors:
    fail("schema umd/1: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]))
if d["command"] != command:
    fail(f"command {d['command']!r}")
if d["exit"] != int(want_exit):
    fail(f"the document's exit {d['exit']} is not the process's {want_exit}")
# Diagnostics are `umd: ...` lines; none of them is (or starts) a JSON document.
for line in err.splitlines():
    if line.lstrip().startswith(("{", "[")) or '"schema"' in line:
        fail(f"JSON on stderr: {line}")
for check in checks:
    try:
        ok = eval(check, {"d": d, "r": d["results"]})
    except Exception as e:  # a missing field is a failed check, with the expression
        fail(f"{check}: {type(e).__name__}: {e}")
    if not ok:
        fail(f"not true: {check}")
