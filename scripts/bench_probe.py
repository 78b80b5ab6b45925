#!/usr/bin/env python3
"""Benchmark of `vendorsec probe` on loopback, side by side with sslyze and testssl.sh;
prints a Markdown table and writes bench-out/probe-results.md.

Endpoints, all on 127.0.0.1:
  A. the tests' local Connect app (crates/vendorsec-probe/examples/probe_target.rs: rustls,
     TLS 1.2 and 1.3, a certificate from a CA made at start) with a descriptor of 20 module
     URLs plus a cacheable panel, an admin page and two lifecycle URLs;
  B. `openssl s_server` configured to accept TLS 1.0 to 1.3 with every cipher
     (SECLEVEL=0), for the legacy-protocol verdicts.

Measured:
  1. a full `vendorsec probe` of A (TLS versions and suites, certificate, HSTS, plain HTTP,
     every module URL with four forged tokens over GET and POST, qsh and context-token tests
     with the test installation's secret, lifecycle tests): wall time and peak RSS, median of
     N runs, at --rate 1000 (loopback); and one run at the default --rate 10, which bounds it
     by design;
  2. which of SSL 3.0, TLS 1.0, 1.1, 1.2, 1.3 each tool says A and B accept: vendorsec,
     sslyze (PyPI, installed into ~/.cache/vendorsec/venv-sslyze) and testssl.sh (Debian
     package, installed with apt-get when missing and running as root), with the wall time of
     each tool's protocol scan.

Usage: python3 scripts/bench_probe.py [--runs N]
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.expanduser("~/.cache/vendorsec/venv-sslyze")
RUNS = 5
for i, a in enumerate(sys.argv):
    if a == "--runs":
        RUNS = int(sys.argv[i + 1])

VERSIONS = ["SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def peak(cmd, cwd):
    """Wall seconds and peak RSS (MiB) of one run."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, cwd=cwd, capture_output=True)
    wall = time.perf_counter() - t
    rss = int(p.stderr.decode().strip().splitlines()[-1]) / 1024
    return wall, rss, p


def ensure_sslyze():
    exe = os.path.join(VENV, "bin", "sslyze")
    if not os.path.exists(exe):
        sh([sys.executable, "-m", "venv", VENV])
        sh([os.path.join(VENV, "bin", "pip"), "install", "-q", "sslyze"])
    return exe


def ensure_testssl():
    exe = shutil.which("testssl") or shutil.which("testssl.sh")
    if exe is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "testssl.sh"],
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
                       capture_output=True)
        exe = shutil.which("testssl") or shutil.which("testssl.sh")
    return exe


def vendorsec_versions(vs, work, port, descriptor, ca):
    wall, rss, p = peak([vs, "probe", f"https://localhost:{port}", "--descriptor", descriptor,
                         "--ca-file", ca, "--http-port", "1", "--rate", "1000", "--format", "json"],
                        work)
    report = json.loads(p.stdout)
    for d in report["diagnostics"]:
        m = d["message"]
        if m.startswith("TLS versions accepted: "):
            acc = m[len("TLS versions accepted: "):]
            return wall, set() if acc == "none" else set(a.strip() for a in acc.split(","))
    return wall, set()


def sslyze_versions(exe, port, work):
    out = os.path.join(work, f"sslyze-{port}.json")
    t = time.perf_counter()
    subprocess.run([exe, "--quiet", "--json_out", out, "--sslv2", "--sslv3", "--tlsv1",
                    "--tlsv1_1", "--tlsv1_2", "--tlsv1_3", f"localhost:{port}"],
                   capture_output=True)
    wall = time.perf_counter() - t
    res = json.load(open(out))["server_scan_results"][0]["scan_result"]
    keys = {"SSL 3.0": "ssl_3_0_cipher_suites", "TLS 1.0": "tls_1_0_cipher_suites",
            "TLS 1.1": "tls_1_1_cipher_suites", "TLS 1.2": "tls_1_2_cipher_suites",
            "TLS 1.3": "tls_1_3_cipher_suites"}
    acc = set()
    for v, k in keys.items():
        r = (res.get(k) or {}).get("result") or {}
        if r.get("accepted_cipher_suites"):
            acc.add(v)
    return wall, acc


def testssl_versions(exe, port, work):
    out = os.path.join(work, f"testssl-{port}.json")
    if os.path.exists(out):
        os.remove(out)
    t = time.perf_counter()
    subprocess.run([exe, "--quiet", "--protocols", "--jsonfile", out, f"localhost:{port}"],
                   capture_output=True, timeout=600)
    wall = time.perf_counter() - t
    ids = {"SSLv3": "SSL 3.0", "TLS1": "TLS 1.0", "TLS1_1": "TLS 1.1", "TLS1_2": "TLS 1.2",
           "TLS1_3": "TLS 1.3"}
    acc = set()
    for x in json.load(open(out)):
        if x["id"] in ids and x["finding"].startswith("offered"):
            acc.add(ids[x["id"]])
    return wall, acc


def main():
    sh(["cargo", "build", "--release", "--locked", "-q", "-p", "vendorsec-cli"], cwd=ROOT)
    sh(["cargo", "build", "--release", "--locked", "-q", "-p", "vendorsec-probe", "--example",
        "probe_target"], cwd=ROOT)
    target_dir = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    vs = os.path.join(target_dir, "release", "vendorsec")
    target = os.path.join(target_dir, "release", "examples", "probe_target")
    work = tempfile.mkdtemp(prefix="vendorsec-probe-bench-")
    procs = []
    try:
        app = subprocess.Popen([target, work, "20"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        procs.append(app)
        ports = json.loads(app.stdout.readline())
        a_port, a_http = ports["https_port"], ports["http_port"]
        sh(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
            os.path.join(work, "legacy.key"), "-out", os.path.join(work, "legacy.pem"), "-days",
            "30", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
           capture_output=True)
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        b_port = s.getsockname()[1]
        s.close()
        legacy = subprocess.Popen(["openssl", "s_server", "-accept", str(b_port), "-cert",
                                   os.path.join(work, "legacy.pem"), "-key",
                                   os.path.join(work, "legacy.key"), "-www", "-cipher",
                                   "DEFAULT:@SECLEVEL=0", "-min_protocol", "TLSv1"],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        procs.append(legacy)
        with open(os.path.join(work, "legacy.json"), "w") as f:
            json.dump({"key": "legacy-endpoint", "name": "B", "baseUrl": f"https://localhost:{b_port}",
                       "authentication": {"type": "jwt"}, "modules": {}}, f)
        time.sleep(1.0)

        full = [vs, "probe", f"https://localhost:{a_port}", "--descriptor", "atlassian-connect.json",
                "--ca-file", "ca.pem", "--http-port", str(a_http), "--shared-secret",
                "tenant-shared-secret-for-tests", "--allow-lifecycle-tests", "--format", "json"]
        walls, rsss, requests, findings = [], [], None, None
        for _ in range(RUNS):
            w, r, p = peak(full + ["--rate", "1000"], work)
            walls.append(w)
            rsss.append(r)
            findings = len(json.loads(p.stdout)["findings"])
        tp = subprocess.run(full[:-2] + ["--rate", "1000"], cwd=work, capture_output=True)
        line = [l for l in tp.stdout.decode().splitlines() if " requests to " in l]
        requests = line[-1].split(" requests")[0] if line else "?"
        slow, _, _ = peak(full + ["--rate", "10"], work)

        rows = []
        tools = [("vendorsec", None)]
        sslyze = ensure_sslyze()
        tools.append(("sslyze", sslyze))
        testssl = ensure_testssl()
        if testssl:
            tools.append(("testssl.sh", testssl))
        verdicts = {}
        for name, exe in tools:
            for ep, port, desc, ca in [("A", a_port, "atlassian-connect.json", "ca.pem"),
                                       ("B", b_port, "legacy.json", "legacy.pem")]:
                if name == "vendorsec":
                    w, acc = vendorsec_versions(vs, work, port, desc, ca)
                elif name == "sslyze":
                    w, acc = sslyze_versions(exe, port, work)
                else:
                    w, acc = testssl_versions(exe, port, work)
                verdicts[(name, ep)] = acc
                rows.append((name, ep, w, acc))

        out = ["# vendorsec probe on loopback", "",
               f"Full probe of endpoint A (20 module URLs + cacheable panel + admin page + 2 lifecycle URLs; {requests} requests; median of {RUNS} runs at --rate 1000):",
               "", "| wall | peak RSS | findings |", "|---|---|---|",
               f"| {statistics.median(walls):.2f} s | {statistics.median(rsss):.1f} MiB | {findings} |",
               "", f"The same probe at the default --rate 10: {slow:.1f} s (rate-bound by design).", "",
               "Protocol verdicts (accepted versions) and the wall time of each tool's protocol scan:", "",
               "| tool | endpoint | wall | " + " | ".join(VERSIONS) + " |",
               "|---|---|---|" + "---|" * len(VERSIONS)]
        for name, ep, w, acc in rows:
            out.append(f"| {name} | {ep} | {w:.2f} s | " + " | ".join("yes" if v in acc else "no" for v in VERSIONS) + " |")
        agree = all(verdicts[(n, ep)] == verdicts[("vendorsec", ep)] for n, _ in tools for ep in "AB")
        out += ["", "vendorsec's verdicts " + ("agree with every peer's on both endpoints." if agree else "DIFFER from a peer's: see the table."),
                "(vendorsec's time is its whole probe of the endpoint: TLS versions, TLS 1.2 suites, certificate, HSTS and plain HTTP.)"]
        if not testssl:
            out.append("testssl.sh was not available (not root, or no apt-get): only sslyze compared.")
        text = "\n".join(out) + "\n"
        print(text)
        os.makedirs(os.path.join(ROOT, "bench-out"), exist_ok=True)
        with open(os.path.join(ROOT, "bench-out", "probe-results.md"), "w") as f:
            f.write(text)
        return 0 if agree else 1
    finally:
        for p in procs:
            try:
                p.stdin.close()
            except Exception:
                pass
            p.terminate()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
