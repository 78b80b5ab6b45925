#!/usr/bin/env python3
"""Benchmark of `vendorsec logs hunt`: generated CloudTrail JSON-lines corpora (default
1,000,000 events each) against every SigmaHQ CloudTrail rule in ../shared/data/logs/sigma-rules.
Two corpora, built from the real Stratus Red Team records in
../shared/data/logs/samples/stratus-cloudtrail with fresh ids, times and addresses:
  attack  every event an attack record (about a quarter match a rule: the worst case);
  mixed   1% attack records, 99% the same records turned into routine read-only calls
          (DescribeInstances, GetObject, GetCallerIdentity, PutLogEvents, …), as an
          account's trail mostly is.
Reports events per second, MB/s, peak RSS and matches for the whole process (reading,
parsing, matching, report); writes bench-out/logs-results.md.

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


ROUTINE = [("ec2.amazonaws.com", "DescribeInstances"), ("s3.amazonaws.com", "GetObject"),
           ("sts.amazonaws.com", "GetCallerIdentity"), ("logs.amazonaws.com", "PutLogEvents"),
           ("monitoring.amazonaws.com", "GetMetricData"), ("kms.amazonaws.com", "Decrypt"),
           ("dynamodb.amazonaws.com", "DescribeTable"), ("lambda.amazonaws.com", "ListFunctions20150331")]


def corpus(kind):
    path = os.path.join(CACHE, f"cloudtrail-{kind}-{EVENTS}.jsonl")
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
            if kind == "mixed" and rnd.random() >= 0.01:
                e["eventSource"], e["eventName"] = rnd.choice(ROUTINE)
                e["readOnly"] = True
                e.pop("errorCode", None)
                e["requestParameters"] = {"maxResults": 100}
                e["responseElements"] = None
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
    n_rules = sum(1 for _, _, fs in os.walk(rules) for f in fs if f.endswith(".yml"))
    rows = []
    for kind in ("attack", "mixed"):
        path = corpus(kind)
        size = os.path.getsize(path)
        walls, rsss = [], []
        for _ in range(RUNS):
            t = time.perf_counter()
            p = subprocess.run(["/usr/bin/time", "-f", "%M", vs, "logs", "hunt", "--rules", rules, path,
                                "--format", "json", "--output", os.devnull], capture_output=True, cwd="/")
            walls.append(time.perf_counter() - t)
            rsss.append(int(p.stderr.decode().strip().splitlines()[-1]) / 1024)
        mpath = os.path.join(CACHE, "logs-matches.jsonl")
        subprocess.run([vs, "logs", "hunt", "--rules", rules, path, "--format", "json", "--output",
                        os.devnull, "--matches", mpath], capture_output=True, cwd="/")
        matches = sum(1 for _ in open(mpath))
        os.remove(mpath)
        w = statistics.median(walls)
        rows.append(f"| {kind} | {size / 1e6:.0f} MB | {w:.2f} s | {EVENTS / w:,.0f} | {size / 1e6 / w:.0f} | {statistics.median(rsss):.0f} MiB | {matches:,} |")
    text = "\n".join([
        "# vendorsec logs hunt",
        "",
        f"{EVENTS:,} generated CloudTrail events per corpus (JSON lines), {n_rules} SigmaHQ CloudTrail rules, median of {RUNS} runs, whole process, 2 cores:",
        "",
        "| corpus | size | wall | events/s | MB/s | peak RSS | matches |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
    ])
    print(text)
    os.makedirs(os.path.join(ROOT, "bench-out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench-out", "logs-results.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
