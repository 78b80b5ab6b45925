#!/usr/bin/env python3
"""Benchmark of `vendorsec logs hunt`: generated CloudTrail JSON-lines corpora (default
1,000,000 events each) against every SigmaHQ CloudTrail rule in ../shared/data/logs/sigma-rules.
Two corpora, built from the real Stratus Red Team records in
../shared/data/logs/samples/stratus-cloudtrail with fresh ids, times and addresses:
  attack  every event an attack record (about a quarter match a rule: the worst case);
  mixed   1% attack records, 99% the same records turned into routine read-only calls
          (DescribeInstances, GetObject, GetCallerIdentity, PutLogEvents, …), as an
          account's trail mostly is.
Reports events per second (median, and the slowest and fastest run: this machine's speed
drifts by 10-20% from minute to minute), CPU time, MB/s, peak RSS and matches for the whole
process (reading, parsing, matching, report); writes bench-out/logs-results.md.

The peer: sigma-rust 0.7 (the fastest engine the research could run here), wrapped in a tiny
binary (scripts/peer-sigma-rust, its own workspace, built into ~/.cache/vendorsec-bench on first
use, about 5 minutes), on the first 200,000 events of the attack corpus: events per second,
peak RSS, and agreement of the (line, rule) matches on the rules it loads.

Usage: python3 scripts/bench_logs.py [--events N] [--runs N] [--no-peer]
"""
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("VENDORSEC_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
CACHE = os.path.expanduser("~/.cache/vendorsec-bench")
EVENTS = 1_000_000
RUNS = 5
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


def peer(vs, rules):
    src = os.path.join(ROOT, "scripts", "peer-sigma-rust")
    work = os.path.join(CACHE, "peer-sigma-rust")
    os.makedirs(os.path.join(work, "src"), exist_ok=True)
    for f in ("Cargo.toml", os.path.join("src", "main.rs")):
        with open(os.path.join(src, f)) as a, open(os.path.join(work, f), "w") as b:
            b.write(a.read())
    target = os.path.join(CACHE, "peer-target")
    r = subprocess.run(["cargo", "build", "--release", "-q"], cwd=work,
                       env=dict(os.environ, CARGO_TARGET_DIR=target), capture_output=True)
    if r.returncode != 0:
        return ["(sigma-rust peer did not build: " + r.stderr.decode()[-300:] + ")"]
    exe = os.path.join(target, "release", "peer-sigma-rust")
    subset = os.path.join(CACHE, "cloudtrail-attack-200k.jsonl")
    if not os.path.exists(subset):
        with open(corpus("attack")) as a, open(subset, "w") as b:
            for i, line in enumerate(a):
                if i >= 200_000:
                    break
                b.write(line)
    size = os.path.getsize(subset)
    pm = os.path.join(CACHE, "peer-matches.tsv")
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", exe, rules, subset, pm], capture_output=True)
    pw = time.perf_counter() - t
    prss = int(p.stderr.decode().strip().splitlines()[-1]) / 1024
    summary = json.loads(p.stdout.decode().strip().splitlines()[-1])
    vm = os.path.join(CACHE, "vs-matches.jsonl")
    t = time.perf_counter()
    q = subprocess.run(["/usr/bin/time", "-f", "%M", vs, "logs", "hunt", "--rules", rules, subset,
                        "--format", "json", "--output", os.devnull, "--matches", vm], capture_output=True)
    vw = time.perf_counter() - t
    vrss = int(q.stderr.decode().strip().splitlines()[-1]) / 1024
    ours = set()
    for line in open(vm):
        d = json.loads(line)
        ours.add((d["line"], d["rule"].split("/", 1)[1]))
    theirs = set()
    for line in open(pm):
        n, r = line.rstrip("\n").split("\t")
        theirs.add((int(n), r))
    peer_rules = summary["rules_loaded"]
    both = ours & theirs
    only_ours = ours - theirs
    only_theirs = theirs - ours
    by_rule = {}
    for _, r in only_ours:
        by_rule[r] = by_rule.get(r, 0) + 1
    for _, r in only_theirs:
        by_rule[r] = by_rule.get(r, 0) - 1
    diff = ", ".join(f"{r} {'+' if n > 0 else ''}{n}" for r, n in sorted(by_rule.items()))
    os.remove(vm)
    os.remove(pm)
    return [
        f"Side by side on the first 200,000 events of the attack corpus ({size / 1e6:.0f} MB), the same rules:",
        "",
        "| engine | rules loaded | wall | events/s | peak RSS | matches |",
        "|---|---|---|---|---|---|",
        f"| vendorsec (whole process) | all | {vw:.2f} s | {200_000 / vw:,.0f} | {vrss:.0f} MiB | {len(ours):,} |",
        f"| sigma-rust 0.7 (match loop; 1 thread) | {peer_rules} ({len(summary['rules_rejected'])} rejected) | {pw:.2f} s | {200_000 / pw:,.0f} | {prss:.0f} MiB | {len(theirs):,} |",
        "",
        f"Agreement: {len(both):,} matches in common; only vendorsec {len(only_ours):,}, only sigma-rust {len(only_theirs):,}"
        + (f" (by rule, vendorsec minus sigma-rust: {diff})" if diff else "") + ".",
        "",
    ]


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
        walls, rsss, cpus = [], [], []
        for _ in range(RUNS):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            p = subprocess.run(["/usr/bin/time", "-f", "%M", vs, "logs", "hunt", "--rules", rules, path,
                                "--format", "json", "--output", os.devnull], capture_output=True, cwd="/")
            walls.append(time.perf_counter() - t)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
            rsss.append(int(p.stderr.decode().strip().splitlines()[-1]) / 1024)
        mpath = os.path.join(CACHE, "logs-matches.jsonl")
        # Once more writing every matched event (--matches): each match then becomes a JSON
        # value and a line, not only the findings kept (at most 1,000 per rule).
        t = time.perf_counter()
        subprocess.run([vs, "logs", "hunt", "--rules", rules, path, "--format", "json", "--output",
                        os.devnull, "--matches", mpath], capture_output=True, cwd="/")
        mw = time.perf_counter() - t
        matches = sum(1 for _ in open(mpath))
        os.remove(mpath)
        w = statistics.median(walls)
        rows.append(f"| {kind} | {size / 1e6:.0f} MB | {w:.2f} s | {EVENTS / w:,.0f} | {EVENTS / max(walls):,.0f}–{EVENTS / min(walls):,.0f} | {statistics.median(cpus):.2f} s | {size / 1e6 / w:.0f} | {statistics.median(rsss):.0f} MiB | {matches:,} | {mw:.2f} s, {EVENTS / mw:,.0f}/s |")
    peer_rows = []
    if "--no-peer" not in sys.argv:
        peer_rows = peer(vs, rules)
    text = "\n".join([
        "# vendorsec logs hunt",
        "",
        f"{EVENTS:,} generated CloudTrail events per corpus (JSON lines), {n_rules} SigmaHQ CloudTrail rules, median of {RUNS} runs, whole process, 2 cores:",
        "",
        "| corpus | size | wall | events/s | slowest–fastest run | CPU (user+sys) | MB/s | peak RSS | matches | with --matches (1 run) |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        *peer_rows,
    ])
    print(text)
    os.makedirs(os.path.join(ROOT, "bench-out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench-out", "logs-results.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
