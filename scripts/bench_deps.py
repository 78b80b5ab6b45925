#!/usr/bin/env python3
"""Benchmark of the dependency scanner; prints a Markdown table and writes
bench-out/deps-results.md.

Measures (medians of several runs, whole process, wall time and peak RSS):
  1. `vendorsec db import` of every advisory in shared/data/advisories, and the index size;
  2. a warm `vendorsec scan` of a generated npm package-lock.json with 5,000 packages;
  3. a warm `vendorsec scan` of a directory of 200 generated jars (each with pom.properties
     and a few class-sized entries);
  4. the peer where one runs here: cargo-audit (offline) on a generated Cargo.lock against
     the same crates.io advisories, converted from OSV to RustSec's advisory-db format
     (cargo-audit does not read OSV). Findings are compared advisory by advisory.
     cargo-audit is installed into ~/.cache/vendorsec-bench/cargo-audit when missing (a
     ~20 minute build on 2 cores); pass --no-peer to skip it.

No network: osv-scanner, OWASP Dependency-Check, grype and `npm audit` cannot run on this
machine (see shared/research/deps.md section 4), so the npm and jar inputs have no peer here.
Usage: python3 scripts/bench_deps.py [--runs N] [--no-peer]
"""
import base64
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
import io

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("VENDORSEC_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
ADV = os.path.join(SHARED, "advisories")
CACHE = os.path.expanduser("~/.cache/vendorsec-bench")
RUNS = 5
for i, a in enumerate(sys.argv):
    if a == "--runs":
        RUNS = int(sys.argv[i + 1])
NO_PEER = "--no-peer" in sys.argv


def build():
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "vendorsec-cli"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "vendorsec")


def timed(cmd, ok=(0, 1), env=None):
    """Run once; return (wall seconds, cpu seconds, peak RSS MiB, completed process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = p.communicate()
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode not in ok:
        raise SystemExit(f"{cmd[0]} exited {p.returncode}: {err.decode()[:2000]}")
    return wall, cpu, out, err


def peak_rss(cmd, ok=(0, 1)):
    """Peak RSS (MiB) of one run, through /usr/bin/time when present."""
    if shutil.which("/usr/bin/time") is None:
        return float("nan")
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True)
    if p.returncode not in ok:
        raise SystemExit(f"{cmd[0]} exited {p.returncode}: {p.stderr.decode()[:2000]}")
    return int(p.stderr.decode().strip().splitlines()[-1]) / 1024.0


def median_run(cmd, ok=(0, 1), runs=None):
    walls, cpus, out = [], [], None
    for _ in range(runs or RUNS):
        w, c, out, _ = timed(cmd, ok)
        walls.append(w)
        cpus.append(c)
    return statistics.median(walls), statistics.median(cpus), peak_rss(cmd, ok), out


def dir_size(d):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)


def npm_lock(path, n=5000, seed=7):
    rnd = random.Random(seed)
    # Real advisories' packages at affected and fixed versions, then synthetic packages.
    known = [("lodash", "4.17.15"), ("lodash", "4.17.21"), ("minimist", "1.2.5"), ("qs", "6.5.2"),
             ("ejs", "3.1.6"), ("json5", "2.2.1"), ("semver", "7.5.1"), ("axios", "0.21.1"),
             ("express", "4.17.1"), ("moment", "2.29.1"), ("node-fetch", "2.6.0"), ("ws", "8.17.0"),
             ("cookie", "0.4.0"), ("body-parser", "1.19.0"), ("path-to-regexp", "0.1.7"),
             ("follow-redirects", "1.14.0"), ("underscore", "1.12.0"), ("jsonwebtoken", "8.5.1"),
             ("xml2js", "0.4.23"), ("jquery", "3.4.1")]
    packages = {"": {"name": "bench-app", "version": "1.0.0", "dependencies": {}}}
    for name, ver in known:
        key = f"node_modules/{name}"
        if key in packages:
            # A second version of the same package, nested as npm installs it.
            key = f"node_modules/express/node_modules/{name}"
        packages[key] = {"version": ver, "resolved": f"https://registry.npmjs.org/{name}/-/{name}-{ver}.tgz"}
    i = 0
    while len(packages) < n + 1:
        i += 1
        scope = rnd.choice(["", "", "", "@acme/", "@types/"])
        name = f"{scope}pkg-{i:05d}"
        ver = f"{rnd.randint(0, 9)}.{rnd.randint(0, 30)}.{rnd.randint(0, 40)}"
        key = f"node_modules/{name}" if rnd.random() < 0.8 else f"node_modules/pkg-{max(1, i - 1):05d}/node_modules/{name}"
        # A realistic integrity value: 64 random bytes in base64.
        digest = base64.b64encode(bytes(rnd.getrandbits(8) for _ in range(64))).decode()
        e = {"version": ver, "resolved": f"https://registry.npmjs.org/{name}/-/x-{ver}.tgz",
             "integrity": "sha512-" + digest}
        if rnd.random() < 0.3:
            e["dev"] = True
        packages[key] = e
    doc = {"name": "bench-app", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": packages}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
    return len(packages) - 1


def jars_dir(d, n=200, seed=11):
    rnd = random.Random(seed)
    os.makedirs(d, exist_ok=True)
    known = [("org.apache.logging.log4j", "log4j-core", "2.14.1"), ("log4j", "log4j", "1.2.17"),
             ("org.yaml", "snakeyaml", "1.33"), ("com.google.guava", "guava", "31.1-jre"),
             ("com.fasterxml.jackson.core", "jackson-databind", "2.13.2"),
             ("org.apache.commons", "commons-text", "1.9"), ("com.h2database", "h2", "1.4.200")]
    total = 0
    for i in range(n):
        g, a, v = known[i] if i < len(known) else (f"com.example.g{i % 17}", f"lib{i}", f"{rnd.randint(1, 5)}.{rnd.randint(0, 9)}.{rnd.randint(0, 20)}")
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("META-INF/MANIFEST.MF", f"Manifest-Version: 1.0\nImplementation-Title: {a}\nImplementation-Version: {v}\n")
            z.writestr(f"META-INF/maven/{g}/{a}/pom.properties", f"groupId={g}\nartifactId={a}\nversion={v}\n")
            for k in range(20):
                z.writestr(f"{g.replace('.', '/')}/C{k}.class", bytes(rnd.getrandbits(8) for _ in range(2000)))
        data = b.getvalue()
        total += len(data)
        with open(os.path.join(d, f"{a}-{v}.jar"), "wb") as f:
            f.write(data)
    return total


# --- peer: cargo-audit -------------------------------------------------------------------

def cargo_audit():
    exe = os.path.join(CACHE, "cargo-audit", "bin", "cargo-audit")
    if os.path.exists(exe):
        return exe
    if NO_PEER:
        return None
    print("installing cargo-audit 0.22 into", CACHE, "(slow) ...", file=sys.stderr)
    subprocess.run(["cargo", "install", "cargo-audit", "--locked", "--root", os.path.join(CACHE, "cargo-audit"),
                    "--target-dir", os.path.join(CACHE, "ca-target")], check=True)
    return exe


def strip0(v):
    return v[:-2] if v.endswith("-0") else v


def rustsec_db(out):
    """Convert the OSV crates.io advisories back to RustSec's advisory-db layout (TOML front
    matter in Markdown), in a git repository as cargo-audit expects."""
    src = os.path.join(ADV, "crates.io")
    for fn in sorted(os.listdir(src)):
        if not fn.endswith(".json"):
            continue
        d = json.load(open(os.path.join(src, fn)))
        if d.get("withdrawn"):
            continue
        for aff in d.get("affected", []):
            pkg = aff["package"]["name"]
            patched, unaffected = [], []
            for r in aff.get("ranges", []):
                if r["type"] != "SEMVER":
                    continue
                ev = r["events"]
                intervals, cur = [], None
                for e in ev:
                    # Versions are kept exactly (RustSec's exporter writes `1.2.3-0` so
                    # that a bound includes the pre-releases of 1.2.3).
                    if "introduced" in e:
                        cur = e["introduced"]
                    elif "fixed" in e and cur is not None:
                        intervals.append((cur, ">=", e["fixed"]))
                        cur = None
                    elif "last_affected" in e and cur is not None:
                        intervals.append((cur, ">", e["last_affected"]))
                        cur = None
                if cur is not None:
                    intervals.append((cur, None, None))
                if intervals and intervals[0][0] not in ("0.0.0-0", "0.0.0", "0"):
                    unaffected.append(f"< {intervals[0][0]}")
                for k, (lo, op, hi) in enumerate(intervals):
                    if op is None:
                        continue
                    nxt = intervals[k + 1][0] if k + 1 < len(intervals) else None
                    patched.append(f"{op} {hi}, < {nxt}" if nxt else f"{op} {hi}")
            info = (aff.get("database_specific") or {}).get("informational")
            date = (d.get("published") or "2000-01-01")[:10]
            lines = ["```toml", "[advisory]", f'id = "{d["id"]}"', f'package = "{pkg}"', f'date = "{date}"']
            if d.get("aliases"):
                lines.append("aliases = [" + ", ".join(json.dumps(a) for a in d["aliases"]) + "]")
            if info:
                lines.append(f'informational = "{info}"')
            lines += ["", "[versions]", "patched = [" + ", ".join(json.dumps(p) for p in patched) + "]"]
            if unaffected:
                lines.append("unaffected = [" + ", ".join(json.dumps(u) for u in unaffected) + "]")
            lines += ["```", "", "# " + (d.get("summary") or d["id"]).replace("\n", " "), "", (d.get("details") or "n/a")[:2000], ""]
            os.makedirs(os.path.join(out, "crates", pkg), exist_ok=True)
            with open(os.path.join(out, "crates", pkg, d["id"] + ".md"), "w") as f:
                f.write("\n".join(lines))
    env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@b", GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@b")
    subprocess.run(["git", "init", "-q", "-b", "main", out], check=True)
    subprocess.run(["git", "-C", out, "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", out, "commit", "-q", "-m", "osv->rustsec"], check=True, env=env)


def cargo_lock(path, seed=5):
    """A Cargo.lock naming crates that have advisories, at an affected and at a fixed
    version, plus filler crates."""
    rnd = random.Random(seed)
    src = os.path.join(ADV, "crates.io")
    picks = {}
    for fn in sorted(os.listdir(src)):
        if not fn.endswith(".json"):
            continue
        d = json.load(open(os.path.join(src, fn)))
        for aff in d.get("affected", []):
            name = aff["package"]["name"]
            for r in aff.get("ranges", []):
                for e in r["events"]:
                    if "fixed" in e:
                        v = strip0(e["fixed"])
                        parts = v.split(".")
                        if len(parts) == 3 and all(p.isdigit() for p in parts):
                            maj, mi, pa = map(int, parts)
                            below = f"{maj}.{mi}.{pa - 1}" if pa > 0 else (f"{maj}.{mi - 1}.9" if mi > 0 else None)
                            picks.setdefault(name, set()).add(v)
                            if below:
                                picks[name].add(below)
    names = sorted(picks)
    rnd.shuffle(names)
    chosen = []
    for n in names[:250]:
        for v in sorted(picks[n])[:2]:
            chosen.append((n, v))
    for i in range(100):
        chosen.append((f"filler-crate-{i}", f"1.{i}.0"))
    # One version per name: cargo-audit reads duplicates fine, keep the lock simple anyway.
    seen, pkgs = set(), []
    for n, v in chosen:
        if (n, v) not in seen:
            seen.add((n, v))
            pkgs.append((n, v))
    with open(path, "w") as f:
        f.write("# generated by scripts/bench_deps.py\nversion = 3\n\n")
        f.write('[[package]]\nname = "bench"\nversion = "0.1.0"\n\n')
        for n, v in sorted(pkgs):
            f.write(f'[[package]]\nname = "{n}"\nversion = "{v}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n\n')
    return len(pkgs)


def main():
    exe = build()
    work = tempfile.mkdtemp(prefix="vendorsec-deps-bench-")
    rows = []
    try:
        # 1. import
        walls = []
        for _ in range(3):
            db = os.path.join(work, "db")
            shutil.rmtree(db, ignore_errors=True)
            w, c, _, err = timed([exe, "db", "import", ADV, "--db", db], ok=(0,))
            walls.append((w, c))
        rss = peak_rss([exe, "db", "import", ADV, "--db", os.path.join(work, "db2")], ok=(0,))
        n_adv = sum(m["advisories"] for m in json.loads(subprocess.run([exe, "db", "status", "--json", "--db", db], capture_output=True).stdout)["ecosystems"].values())
        src_size = dir_size(ADV)
        rows.append(("db import (all of shared/data/advisories, %d advisories, %.1f MB of OSV files)" % (n_adv, src_size / 1e6),
                     statistics.median(w for w, _ in walls), statistics.median(c for _, c in walls), rss,
                     "index %.1f MB (%.0f%% of the source)" % (dir_size(db) / 1e6, 100 * dir_size(db) / src_size)))
        # 2. npm lockfile
        lock = os.path.join(work, "npm", "package-lock.json")
        n = npm_lock(lock)
        w, c, r, out = median_run([exe, "scan", lock, "--db", db, "--format", "json", "--no-progress"])
        rep = json.loads(out)
        found = [f for f in rep["findings"] if f["rule"].startswith("dep/")]
        # Ground truth: the 20 real packages at their versions carry 20 of the collected npm
        # advisories (lodash 4.17.15 two, 4.17.21 none, each other one); the synthetic
        # packages have none, so any finding on them is a false positive.
        on_synthetic = [f for f in found if f["data"]["package"].split("/")[-1].startswith("pkg-")]
        rows.append((f"scan package-lock.json, {n} packages ({os.path.getsize(lock) / 1e6:.1f} MB), warm", w, c, r,
                     f"{len(found)} vulnerability findings (expected 20); {len(on_synthetic)} on packages without advisories; {rep['stats']['components']} components"))
        # 3. 200 jars
        jd = os.path.join(work, "jars")
        size = jars_dir(jd)
        w, c, r, out = median_run([exe, "scan", jd, "--db", db, "--format", "json", "--no-progress"])
        rep = json.loads(out)
        found = sum(1 for f in rep["findings"] if f["rule"].startswith("dep/"))
        rows.append((f"scan 200 jars ({size / 1e6:.1f} MB), warm", w, c, r,
                     f"{found} findings; {rep['stats']['components']} components; {size / 1e6 / w:.0f} MB/s"))
        # 4. Cargo.lock vs cargo-audit
        cl = os.path.join(work, "cargo", "Cargo.lock")
        os.makedirs(os.path.dirname(cl))
        ncrates = cargo_lock(cl)
        w, c, r, out = median_run([exe, "scan", cl, "--db", db, "--format", "json", "--no-progress"])
        rep = json.loads(out)
        ours = set()
        for f in rep["findings"]:
            if f["rule"] == "dep/known-vulnerability":
                rs = [i for i in f["data"]["ids"] if i.startswith("RUSTSEC-")]
                for i in rs:
                    ours.add((f["data"]["package"], f["data"]["version"], i))
        ours_notice_set = set()
        for f in rep["findings"]:
            if f["rule"] == "dep/advisory-notice":
                for i in f["data"]["ids"]:
                    if i.startswith("RUSTSEC-"):
                        ours_notice_set.add((f["data"]["package"], f["data"]["version"], i))
        ours_notice = len(ours_notice_set)
        rows.append((f"scan Cargo.lock, {ncrates} crates, warm", w, c, r, f"{len(ours)} RUSTSEC vulnerabilities, {ours_notice} notices"))
        peer_line = "cargo-audit: not run (--no-peer)"
        ca = cargo_audit()
        if ca:
            rdb = os.path.join(work, "advisory-db")
            rustsec_db(rdb)
            cmd = [ca, "audit", "--db", rdb, "--no-fetch", "--stale", "--no-yanked", "-f", cl, "--json"]
            w2, c2, r2, out2 = median_run(cmd, ok=(0, 1))
            ca_rep = json.loads(out2)
            theirs = set()
            for v in ca_rep["vulnerabilities"]["list"]:
                theirs.add((v["package"]["name"], v["package"]["version"], v["advisory"]["id"]))
            warn_set = set()
            for items in ca_rep.get("warnings", {}).values():
                for w_ in items:
                    if w_.get("advisory"):
                        warn_set.add((w_["package"]["name"], w_["package"]["version"], w_["advisory"]["id"]))
            warn = len(warn_set)
            only_ours = sorted(ours - theirs)
            only_theirs = sorted(theirs - ours)
            rows.append((f"cargo-audit 0.22 (offline, same advisories) on the same Cargo.lock", w2, c2, r2,
                         f"{len(theirs)} vulnerabilities, {warn} warnings; agree on {len(ours & theirs)} vulnerabilities and {len(ours_notice_set & warn_set)} warnings; only vendorsec {len(only_ours)} + {len(ours_notice_set - warn_set)}; only cargo-audit {len(only_theirs)} + {len(warn_set - ours_notice_set)}"))
            peer_line = f"only vendorsec: {only_ours[:10]}; only cargo-audit: {only_theirs[:10]}"
        lines = ["| measurement | wall (s) | CPU (s) | peak RSS (MiB) | notes |", "|---|---:|---:|---:|---|"]
        for name, w, c, r, note in rows:
            lines.append(f"| {name} | {w:.3f} | {c:.3f} | {r:.1f} | {note} |")
        text = "\n".join(lines) + "\n\n" + peer_line + "\n"
        print(text)
        os.makedirs(os.path.join(ROOT, "bench-out"), exist_ok=True)
        with open(os.path.join(ROOT, "bench-out", "deps-results.md"), "w") as f:
            f.write(text)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
