#!/usr/bin/env python3
"""Benchmark of `vendorsec logs hunt`: a generated CloudTrail JSON-lines corpus (default
1,000,000 events, built from the real Stratus Red Team records in
../shared/data/logs/samples/stratus-cloudtrail with fresh ids, times and addresses) against
every SigmaHQ CloudTrail rule in ../shared/data/logs/sigma-rules. Reports events per second,
MB/s, peak RSS and matches for the whole process (reading, parsing, matching, report);
writes bench-out/logs-results.md.

Usage: python3 scripts/bench_logs.py [--events N] [--runs N]
"""
import json
import os
import random
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("VENDORSEC_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
CACHE = os.path.expanduser("~/.cache/vendorsec-bench")
EVENTS = 1_000_000
RUNS = 3
for i, a in enumerate(sys.argv):
    if a == "--events":
        EVENTS = int(sys.argv[i + 1])
    if a == "--runs":
        RUNS = int(sys.argv[i + 1])


def corpus():
    path = os.path.join(CACHE, f"cloudtrail-{EVENTS}.jsonl")
    if os.path.exists(path):
        return path
    os.makedirs(CACHE, exist_ok=True)
    src = os.path.join(SHARED, "logs", "samples", "stratus-cloudtrail")
    templates = []
    for f in sorted(os.listdir(src)):
        if f.endswith(".json"):
            templates.extend(json.load(open(os.path.join(src, f))))
    rnd = random.Random(7)
    tmp = path + ".tmp"
    with open(tmp, "w") as out:
        for i in range(EVENTS):
            e = dict(rnd.choice(templates))
            e["eventID"] = "%08x-%04x-4%03x-8%03x-%012x" % (rnd.getrandbits(32), rnd.getrandbits(16), rnd.getrandbits(12), rnd.getrandbits(12), rnd.getrandbits(48))
            e["eventTime"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_760_000_000 + i))
            e["sourceIPAddress"] = "%d.%d.%d.%d" % (rnd.randrange(1, 224), rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255))
            out.write(json.dumps(e, separators=(",", ":")))
            out.write("\n")
    os.rename(tmp, path)
    return path


def main():
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "vendorsec-cli"], cwd=ROOT, check=True)
    target_dir = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    vs = os.path.join(target_dir, "release", "vendorsec")
    rules = os.path.join(SHARED, "logs", "sigma-rules", "rules", "cloud", "aws")
    path = corpus()
    size = os.path.getsize(path)
    walls, rsss, findings = [], [], None
    for _ in range(RUNS):
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", vs, "logs", "hunt", "--rules", rules, path,
                            "--format", "json", "--output", os.devnull], capture_output=True, cwd="/")
        walls.append(time.perf_counter() - t)
        rsss.append(int(p.stderr.decode().strip().splitlines()[-1]) / 1024)
    # Matches, once, through --matches.
    mpath = os.path.join(CACHE, "logs-matches.jsonl")
    subprocess.run([vs, "logs", "hunt", "--rules", rules, path, "--format", "json", "--output",
                    os.devnull, "--matches", mpath], capture_output=True, cwd="/")
    findings = sum(1 for _ in open(mpath))
    n_rules = len([f for f in os.listdir(rules) if f.endswith(".yml")]) if os.path.isdir(rules) else 0
    w = statistics.median(walls)
    text = "\n".join([
        "# vendorsec logs hunt",
        "",
        f"{EVENTS:,} generated CloudTrail events ({size / 1e6:.0f} MB JSON lines), {n_rules} SigmaHQ CloudTrail rules, median of {RUNS} runs, whole process:",
        "",
        "| wall | events/s | MB/s | peak RSS | matches |",
        "|---|---|---|---|---|",
        f"| {w:.2f} s | {EVENTS / w:,.0f} | {size / 1e6 / w:.0f} | {statistics.median(rsss):.0f} MiB | {findings:,} |",
        "",
    ])
    print(text)
    os.makedirs(os.path.join(ROOT, "bench-out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench-out", "logs-results.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
