#!/usr/bin/env python3
"""Checks that docs/writing-a-driver.md shows the template driver as it is.

Every fenced block introduced by a line "`drivers/sample/<file>`:" must equal that
file byte for byte, and every file of drivers/sample/ must be shown once.
Usage: driver_doc_check.py SOURCE_DIR    (exit 0 when they match, 1 otherwise)
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
doc = (root / "docs/writing-a-driver.md").read_text()
shown = {}
for m in re.finditer(r"^`(drivers/sample/[^`]+)`:\n\n```[a-z]*\n(.*?)^```$", doc, re.M | re.S):
    if m.group(1) in shown:
        sys.exit(f"{m.group(1)} is shown twice")
    shown[m.group(1)] = m.group(2)

files = sorted(str(p.relative_to(root)) for p in (root / "drivers/sample").rglob("*") if p.is_file())
problems = []
for name in files:
    if name not in shown:
        problems.append(f"{name} is not shown in docs/writing-a-driver.md")
    elif shown[name] != (root / name).read_text():
        problems.append(f"{name} differs from its copy in docs/writing-a-driver.md")
problems += [f"{name} is shown but is not a file of the template" for name in shown if name not in files]
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
