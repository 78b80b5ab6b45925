#!/usr/bin/env python3
"""Generate a deterministic corpus of realistic source and configuration text with planted
credentials (and look-alike decoys) for the secret-scanning benchmark.

    scripts/gen_corpus.py OUT_DIR [--mb 220] [--seed 7]

Writes OUT_DIR/tree/** (the files) and OUT_DIR/planted.json: one entry per planted
credential with its file, 1-based line, kind and the secret itself (the benchmark needs it
to score recall; the corpus is synthetic, so none of these is a live credential).
Decoys are recorded in OUT_DIR/decoys.json the same way: a precise tool reports none.
"""
import argparse
import base64
import json
import os
import random
import string

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "_-"


def rs(rng, chars, n):
    return "".join(rng.choice(chars) for _ in range(n))


def uuid(rng):
    return "-".join(rs(rng, HEX, n) for n in (8, 4, 4, 4, 12))


# --- planted credential kinds: (kind, function(rng) -> (line, secret)) ------------------
def pem_block(rng, label):
    body = rs(rng, B64, 1600)
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----" % (label, "\n".join(lines), label)


def jwt(rng):
    h = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).decode().rstrip("=")
    p = base64.urlsafe_b64encode(json.dumps({"sub": rs(rng, ALNUM, 10), "iss": "acme-app", "iat": 1764460800}).encode()).decode().rstrip("=")
    return "%s.%s.%s" % (h, p, rs(rng, URLSAFE, 43))


PLANTED = [
    ("aws-access-key-id", lambda r: (lambda s: ("aws_access_key_id = %s" % s, s))("AKIA" + rs(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16))),
    ("aws-secret-access-key", lambda r: (lambda s: ("aws_secret_access_key = %s" % s, s))(rs(r, B64, 40))),
    ("aws-secret-in-xml", lambda r: (lambda s: ("  <secretAccessKey>%s</secretAccessKey>" % s, s))(rs(r, B64, 40))),
    ("github-pat", lambda r: (lambda s: ('GITHUB_TOKEN = "%s"' % s, s))("ghp_" + rs(r, ALNUM, 36))),
    ("github-fine-grained", lambda r: (lambda s: ("gh_token: %s" % s, s))("github_pat_" + rs(r, ALNUM, 22) + "_" + rs(r, ALNUM, 59))),
    ("gitlab-pat", lambda r: (lambda s: ("GITLAB_TOKEN=%s" % s, s))("glpat-" + rs(r, URLSAFE, 20))),
    ("slack-bot", lambda r: (lambda s: ("slack.token=%s" % s, s))("xoxb-%s-%s-%s" % (rs(r, string.digits, 12), rs(r, string.digits, 13), rs(r, ALNUM, 24)))),
    ("slack-webhook", lambda r: (lambda s: ('webhook_url: "%s"' % s, s))("https://hooks.slack.com/services/T%s/B%s/%s" % (rs(r, string.ascii_uppercase, 8), rs(r, string.ascii_uppercase, 10), rs(r, ALNUM, 24)))),
    ("stripe-live", lambda r: (lambda s: ('const stripe = require("stripe")("%s");' % s, s))("sk_live_" + rs(r, ALNUM, 99))),
    ("stripe-in-xml", lambda r: (lambda s: ("<stripeKey>%s</stripeKey>" % s, s))("sk_live_" + rs(r, ALNUM, 24))),
    ("sendgrid", lambda r: (lambda s: ("SENDGRID_API_KEY=%s" % s, s))("SG.%s.%s" % (rs(r, URLSAFE, 22), rs(r, URLSAFE, 43)))),
    ("npm-token", lambda r: (lambda s: ("//registry.npmjs.org/:_authToken=%s" % s, s))("npm_" + rs(r, ALNUM, 36))),
    ("openai", lambda r: (lambda s: ('OPENAI_API_KEY="%s"' % s, s))("sk-proj-" + rs(r, URLSAFE, 74) + "T3BlbkFJ" + rs(r, URLSAFE, 74))),
    ("anthropic", lambda r: (lambda s: ("anthropic_key: %s" % s, s))("sk-ant-api03-" + rs(r, URLSAFE, 93) + "AA")),
    ("gcp-api-key", lambda r: (lambda s: ('"apiKey": "%s",' % s, s))("AIza" + rs(r, URLSAFE, 35))),
    ("atlassian-api-token", lambda r: (lambda s: ("JIRA_API_TOKEN=%s" % s, s))("ATATT3xFfGF0" + rs(r, URLSAFE, 171) + "=" + rs(r, "0123456789ABCDEF", 8))),
    ("atlassian-legacy-token", lambda r: (lambda s: ('confluence.api.token = "%s"' % s, s))(rs(r, ALNUM, 24))),
    ("connect-shared-secret", lambda r: (lambda s: ('{"clientKey": "%s", "sharedSecret": "%s", "baseUrl": "https://acme.atlassian.net"}' % (uuid(r), s), s))(rs(r, URLSAFE, 43))),
    ("bitbucket-app-password", lambda r: (lambda s: ("BITBUCKET_APP_PASSWORD=%s" % s, s))("ATBB" + rs(r, ALNUM, 32))),
    ("jdbc-password", lambda r: (lambda s: ("spring.datasource.url=jdbc:mysql://db.internal:3306/app?user=app&password=%s" % s, s))(rs(r, ALNUM, 16))),
    ("postgres-url", lambda r: (lambda s: ("DATABASE_URL=postgres://app:%s@db.internal:5432/app" % s, s))(rs(r, ALNUM, 20))),
    ("properties-password", lambda r: (lambda s: ("db.password=%s" % s, s))(rs(r, ALNUM, 14))),
    ("yaml-password", lambda r: (lambda s: ('    password: "%s"' % s, s))(rs(r, ALNUM, 12) + "!")),
    ("xml-password", lambda r: (lambda s: ("<password>%s</password>" % s, s))(rs(r, ALNUM, 14))),
    ("basic-auth-url", lambda r: (lambda s: ("git clone https://deploy:%s@git.example.com/acme/app.git" % s, s))(rs(r, ALNUM, 20))),
    ("twilio-auth-token", lambda r: (lambda s: ("TWILIO_AUTH_TOKEN=%s" % s, s))(rs(r, HEX, 32))),
    ("jwt", lambda r: (lambda s: ('Authorization: Bearer %s' % s, s))(jwt(r))),
    ("rsa-private-key", lambda r: (lambda b: (b, b.split("\n")[1]))(pem_block(r, "RSA PRIVATE KEY"))),
    ("pkcs8-private-key", lambda r: (lambda b: (b, b.split("\n")[1]))(pem_block(r, "PRIVATE KEY"))),
    ("docker-hub-pat", lambda r: (lambda s: ("DOCKERHUB_TOKEN=%s" % s, s))("dckr_pat_" + rs(r, URLSAFE, 27))),
    ("azure-storage-key", lambda r: (lambda s: ("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=%s;EndpointSuffix=core.windows.net" % s, s))(rs(r, B64, 86) + "==")),
    ("shopify", lambda r: (lambda s: ("SHOPIFY_TOKEN=%s" % s, s))("shpat_" + rs(r, HEX, 32))),
    ("pypi", lambda r: (lambda s: ("password = %s" % s, s))("pypi-AgEIcHlwaS5vcmc" + rs(r, URLSAFE, 120))),
    ("huggingface", lambda r: (lambda s: ("HF_TOKEN=%s" % s, s))("hf_" + rs(r, string.ascii_letters, 34))),
]

# --- decoys: look like credentials, are not ---------------------------------------------
DECOYS = [
    lambda r: "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    lambda r: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    lambda r: "db.password=${DB_PASSWORD}",
    lambda r: "password: changeme",
    lambda r: 'GITHUB_TOKEN = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"',
    lambda r: "<password>{{ vault_db_password }}</password>",
    lambda r: 'api_key = "<your-api-key>"',
    lambda r: "sha256 = %s" % rs(r, HEX, 64),
    lambda r: 'id: "%s"' % uuid(r),
    lambda r: "commit %s" % rs(r, HEX, 40),
    lambda r: "password = os.environ['DB_PASSWORD']",
    lambda r: "String password = request.getParameter(\"password\");",
    lambda r: "token: ********",
    lambda r: "-----BEGIN PUBLIC KEY-----",
    lambda r: "integrity: sha512-%s==" % rs(r, B64, 86),
    lambda r: "export API_TOKEN=$API_TOKEN",
    lambda r: "const secretName = 'prod/db/credentials';",
    lambda r: "passwordPolicy.minLength = 12",
    # Look-alikes that keyword-and-entropy detectors tend to flag.
    lambda r: "AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}",
    lambda r: "password: \"{{ lookup('env', 'DB_PASS') }}\"",
    lambda r: 'auth_token_url = "https://auth.example.com/oauth/token"',
    lambda r: 'api_key_header = "X-API-KEY"',
    lambda r: '"tokenizer": "standard",',
    lambda r: "secretsManagerArn: arn:aws:secretsmanager:us-east-1:%s:secret:prod/db-%s" % (rs(r, string.digits, 12), rs(r, ALNUM, 6)),
    lambda r: "const passwordPattern = /^(?=.*[A-Z])(?=.*\\d).{12,}$/;",
    lambda r: '<img src="data:image/png;base64,iVBORw0KGgo%s=" />' % rs(r, B64, 120),
    lambda r: 'headers["Authorization"] = "Bearer " + accessToken;',
    lambda r: "-----BEGIN CERTIFICATE-----",
    lambda r: 'cache_key: "deps-v2-%s"' % rs(r, HEX, 32),
    lambda r: 'client_id = "%s-%s.apps.googleusercontent.com"' % (rs(r, string.digits, 12), rs(r, string.ascii_lowercase + string.digits, 32)),
    lambda r: "stripe.api_key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'",
    lambda r: 'resetTokenTtlSeconds = 3600',
    lambda r: 'token_hash = "%s"' % rs(r, HEX, 64),
    lambda r: 'git_commit_sha: %s' % rs(r, HEX, 40),
]

WORDS = ("user account order invoice customer issue project space page comment attachment "
         "worklog sprint board filter webhook tenant install license addon macro panel field "
         "value status priority resolution version component label watcher vote transition").split()


def ident(rng):
    a, b = rng.choice(WORDS), rng.choice(WORDS)
    return a + b.capitalize()


def java_line(rng):
    c = rng.random()
    if c < 0.2:
        return "    private final %sService %s;" % (rng.choice(WORDS).capitalize(), ident(rng))
    if c < 0.4:
        return "        %s.set%s(%s.get%s());" % (ident(rng), rng.choice(WORDS).capitalize(), ident(rng), rng.choice(WORDS).capitalize())
    if c < 0.55:
        return "        if (%s == null || %s.isEmpty()) { return Optional.empty(); }" % (ident(rng), ident(rng))
    if c < 0.7:
        return '        log.debug("Processing {} for {}", %s.getId(), %s);' % (ident(rng), ident(rng))
    if c < 0.85:
        return "    // %s" % " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12)))
    return "        return %s.stream().filter(x -> x.is%s()).collect(Collectors.toList());" % (ident(rng), rng.choice(WORDS).capitalize())


def js_line(rng):
    c = rng.random()
    if c < 0.25:
        return "  const %s = await api.get(`/rest/api/3/%s/${%s}`);" % (ident(rng), rng.choice(WORDS), ident(rng))
    if c < 0.5:
        return "  if (!%s) throw new Error('%s %s not found');" % (ident(rng), rng.choice(WORDS), rng.choice(WORDS))
    if c < 0.7:
        return "  %s.%s = %s.map((x) => x.%s).filter(Boolean);" % (ident(rng), rng.choice(WORDS), ident(rng), rng.choice(WORDS))
    if c < 0.85:
        return "// %s" % " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12)))
    return "export function %s(%s, %s) { return %s(%s); }" % (ident(rng), ident(rng), ident(rng), ident(rng), ident(rng))


def py_line(rng):
    c = rng.random()
    if c < 0.3:
        return "    %s = self.%s.get(%r, None)" % (ident(rng).lower(), rng.choice(WORDS), rng.choice(WORDS))
    if c < 0.6:
        return "    for %s in %s:" % (rng.choice(WORDS), ident(rng).lower())
    if c < 0.8:
        return "    # %s" % " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12)))
    return "    return {%r: %s, %r: %d}" % (rng.choice(WORDS), ident(rng).lower(), rng.choice(WORDS), rng.randint(0, 99999))


def props_line(rng):
    return "%s.%s.%s=%s" % (rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS), rng.choice([str(rng.randint(0, 9999)), "true", "false", rng.choice(WORDS), "https://%s.example.com/%s" % (rng.choice(WORDS), rng.choice(WORDS))]))


def yaml_line(rng):
    return "%s%s: %s" % ("  " * rng.randint(0, 3), rng.choice(WORDS), rng.choice([str(rng.randint(0, 999)), rng.choice(WORDS), '"%s %s"' % (rng.choice(WORDS), rng.choice(WORDS))]))


def xml_line(rng):
    w = rng.choice(WORDS)
    return "    <%s>%s</%s>" % (w, rng.choice([rng.choice(WORDS), str(rng.randint(0, 9999))]), w)


def json_line(rng):
    return '  "%s": %s,' % (ident(rng), rng.choice(['"%s"' % rng.choice(WORDS), str(rng.randint(0, 99999)), "true", "null"]))


KINDS = [
    ("src/main/java/com/acme/%s/%s.java", java_line, 0.3),
    ("frontend/src/%s/%s.js", js_line, 0.2),
    ("service/%s/%s.py", py_line, 0.15),
    ("src/main/resources/%s/%s.properties", props_line, 0.1),
    ("deploy/%s/%s.yaml", yaml_line, 0.1),
    ("src/main/resources/%s/%s.xml", xml_line, 0.1),
    ("data/%s/%s.json", json_line, 0.05),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=int, default=220)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--plant-every", type=int, default=20, help="one planted credential per N files")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tree = os.path.join(args.out, "tree")
    os.makedirs(tree, exist_ok=True)
    planted, decoys = [], []
    total, n = 0, 0
    target = args.mb * 1_000_000
    while total < target:
        pattern, gen, _ = rng.choices(KINDS, weights=[k[2] for k in KINDS])[0]
        rel = pattern % (rng.choice(WORDS), "%s%d" % (ident(rng), n))
        n += 1
        lines = [gen(rng) for _ in range(rng.randint(50, 900))]
        if n % args.plant_every == 0:
            kind, fn = PLANTED[(n // args.plant_every) % len(PLANTED)]
            text, secret = fn(rng)
            at = rng.randint(0, len(lines))
            lines.insert(at, text)
            planted.append({"file": rel, "line": at + 1, "kind": kind, "secret": secret})
        elif n % args.plant_every == args.plant_every // 2:
            d = rng.choice(DECOYS)(rng)
            at = rng.randint(0, len(lines))
            lines.insert(at, d)
            decoys.append({"file": rel, "line": at + 1, "text": d})
        data = "\n".join(lines) + "\n"
        path = os.path.join(tree, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(data)
        total += len(data)
    with open(os.path.join(args.out, "planted.json"), "w") as f:
        json.dump(planted, f, indent=1)
    with open(os.path.join(args.out, "decoys.json"), "w") as f:
        json.dump(decoys, f, indent=1)
    print("corpus: %d files, %.1f MB, %d planted, %d decoys" % (n, total / 1e6, len(planted), len(decoys)))


if __name__ == "__main__":
    main()
