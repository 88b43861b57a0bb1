#!/usr/bin/env python3
"""Prints each failed test of the given TRX files: its name, the assembly's file, and the first lines of its message."""
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"

for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        print(f"{path}: unreadable TRX ({e})")
        continue
    storage = {t.get("id"): t.get("storage", "") for t in root.iter(NS + "UnitTest")}
    for r in root.iter(NS + "UnitTestResult"):
        if r.get("outcome") not in ("Failed", "Error", "Timeout", "Aborted"):
            continue
        message = r.findtext(f"{NS}Output/{NS}ErrorInfo/{NS}Message") or ""
        where = storage.get(r.get("testId"), "").rsplit("/", 1)[-1]
        print(f"FAILED {r.get('testName')} ({where}, {r.get('duration')})")
        for line in message.strip().splitlines()[:12]:
            print(f"    {line}")
