//! End-to-end tests of app analysis: one app of each kind in a tree, `scan`, `inspect` and
//! `diff`.

mod common;

use common::{
    json, rule_at, rule_guideline_line, rule_severity_at, rule_severity_line, shown,
    sorted_findings, zip_of,
};

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vendorsec"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("VENDORSEC_DB", dir.join("no-db"))
        .args(args)
        .output()
        .unwrap()
}

const CONNECT_GOOD: &str = r#"{
  "key": "com.example.lean", "name": "Lean app", "baseUrl": "https://lean.example.com",
  "authentication": {"type": "jwt"},
  "lifecycle": {"installed": "/installed"},
  "apiMigrations": {"signed-install": true, "context-qsh": true},
  "scopes": ["READ", "WRITE"],
  "modules": {"generalPages": [{"key": "p", "url": "/p", "name": {"value": "P"}}]}
}"#;

const FORGE: &str = "app:\n  id: ari:cloud:ecosystem::app/abc\nmodules:\n  webtrigger:\n    - key: hook\n      function: fn\n  function:\n    - key: fn\n      handler: index.run\npermissions:\n  scopes:\n    - read:jira-work\n  external:\n    fetch:\n      backend:\n        - '*'\n  content:\n    scripts:\n      - unsafe-eval\n";

const PLUGIN: &str = r#"<atlassian-plugin key="com.example.dc" name="DC app">
  <plugin-info><version>2.0.0</version></plugin-info>
  <servlet-filter key="pre" class="x.Pre" location="before-login"><url-pattern>/*</url-pattern></servlet-filter>
  <rest key="api" path="/dc" version="1.0"/>
</atlassian-plugin>"#;

fn tree(dir: &Path) {
    for sub in ["connect", "forge", "p2/src/main/resources", "dist"] {
        std::fs::create_dir_all(dir.join("apps").join(sub)).unwrap();
    }
    std::fs::write(
        dir.join("apps/connect/atlassian-connect.json"),
        CONNECT_GOOD,
    )
    .unwrap();
    std::fs::write(dir.join("apps/forge/manifest.yml"), FORGE).unwrap();
    std::fs::write(
        dir.join("apps/p2/src/main/resources/atlassian-plugin.xml"),
        PLUGIN,
    )
    .unwrap();
    std::fs::write(
        dir.join("apps/dist/dc-app-2.0.0.jar"),
        zip_of(&[
            ("atlassian-plugin.xml", PLUGIN.as_bytes()),
            ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        ]),
    )
    .unwrap();
}

#[test]
fn scan_reports_each_kind_and_no_scope_finding_for_a_lean_app() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let out = run(dir.path(), &["scan", "apps", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    let got = sorted_findings(&r, rule_severity_at);
    assert_eq!(
        got,
        vec![
            "forge/broad-egress high apps/forge/manifest.yml:16",
            "forge/csp-relaxation high apps/forge/manifest.yml:19",
            "p2/servlet-filter-before-login high apps/dist/dc-app-2.0.0.jar!/atlassian-plugin.xml:3",
        ]
    );
    // The same descriptor in the source tree and in the built JAR is one finding, found
    // in both places.
    let filter = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "p2/servlet-filter-before-login")
        .unwrap();
    let places: Vec<&str> = filter["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["origin"].as_str().unwrap())
        .collect();
    assert_eq!(
        places,
        vec![
            "apps/dist/dc-app-2.0.0.jar!/atlassian-plugin.xml",
            "apps/p2/src/main/resources/atlassian-plugin.xml"
        ]
    );
    let guidelines: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["guideline"].as_str().unwrap())
        .collect();
    assert!(guidelines.contains(&"code.lean-scopes") && guidelines.contains(&"code.owasp-top-10"));
}

#[test]
fn inspect_profiles_every_app_and_diff_shows_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let p = json(&run(dir.path(), &["inspect", "apps", "--format", "json"]));
    let kinds: Vec<&str> = p["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["connect", "p2", "forge", "p2"]);
    let connect = &p["apps"][0];
    assert_eq!(connect["key"], "com.example.lean");
    assert_eq!(connect["scopes"][0]["scope"], "READ");
    assert!(
        connect["scopes"][0]["allows"]
            .as_str()
            .unwrap()
            .starts_with("read")
    );
    assert_eq!(connect["hosts"][0]["host"], "lean.example.com");
    let forge = &p["apps"][2];
    assert!(
        forge["endpoints"][0]["auth"]
            .as_str()
            .unwrap()
            .contains("must authenticate")
    );
    let terminal =
        String::from_utf8_lossy(&run(dir.path(), &["inspect", "apps/connect"]).stdout).into_owned();
    assert!(
        terminal.contains("Connect app com.example.lean \"Lean app\""),
        "{terminal}"
    );
    assert!(terminal.contains("lifecycle: installed"), "{terminal}");
    let md = String::from_utf8_lossy(
        &run(
            dir.path(),
            &["inspect", "apps/connect", "--format", "markdown"],
        )
        .stdout,
    )
    .into_owned();
    assert!(md.contains("| `READ` |"), "{md}");

    // A new version that adds ADMIN, drops signed install and contacts a new host.
    std::fs::create_dir_all(dir.path().join("v2")).unwrap();
    let v2 = CONNECT_GOOD
        .replace(r#""READ", "WRITE""#, r#""READ", "WRITE", "ADMIN""#)
        .replace(r#""signed-install": true, "#, "")
        .replace(r#""url": "/p""#, r#""url": "https://cdn.example.net/p""#);
    std::fs::write(dir.path().join("v2/atlassian-connect.json"), v2).unwrap();
    let out = run(
        dir.path(),
        &["diff", "apps/connect", "v2", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let d = json(&out);
    let app = &d["apps"][0];
    assert_eq!(app["scopes_added"], serde_json::json!(["ADMIN"]));
    assert_eq!(app["hosts_added"], serde_json::json!(["cdn.example.net"]));
    assert_eq!(app["endpoints_auth_changed"].as_array().unwrap().len(), 1);
    let introduced: Vec<&str> = d["findings_introduced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        introduced,
        vec!["connect/api-migration-missing", "connect/risky-scope"]
    );
    assert!(d["findings_fixed"].as_array().unwrap().is_empty());
    // The reverse diff fixes them; nothing introduced, exit 0.
    let back = run(
        dir.path(),
        &["diff", "v2", "apps/connect", "--format", "json"],
    );
    assert_eq!(back.status.code(), Some(0));
    assert_eq!(json(&back)["findings_fixed"].as_array().unwrap().len(), 2);
}

#[test]
fn broken_descriptors_are_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::write(dir.path().join("a/atlassian-connect.json"), "{\"key\": ").unwrap();
    std::fs::write(
        dir.path().join("a/atlassian-plugin.xml"),
        "<atlassian-plugin><servlet>",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "a", "--format", "json"]));
    let diags: Vec<String> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        diags
            .iter()
            .any(|d| d.starts_with("atlassian-connect.json: not valid JSON")),
        "{diags:?}"
    );
    assert!(
        diags
            .iter()
            .any(|d| d.starts_with("atlassian-plugin.xml: not well-formed XML")),
        "{diags:?}"
    );
}

const ACE_ROUTES: &str = r#"export default function routes(app, addon) {
  app.get('/main', addon.authenticate(), async (req, res) => {
    const httpClient = addon.httpClient(req);
    const issue = await httpClient.get(`/rest/api/3/issue/${req.query.key}`);
    await httpClient.put({ url: `/rest/api/3/issue/${req.query.key}`, json: { fields: {} } });
    res.render('main');
  });
}
"#;

fn connect_app(dir: &Path, name: &str, scopes: &str, routes: &str) {
    let d = dir.join(name);
    std::fs::create_dir_all(d.join("routes")).unwrap();
    let desc = CONNECT_GOOD.replace(r#""READ", "WRITE""#, scopes);
    std::fs::write(d.join("atlassian-connect.json"), desc).unwrap();
    std::fs::write(d.join("routes/index.js"), routes).unwrap();
}

fn rules_of(r: &Value) -> Vec<String> {
    let mut v: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn lean_scopes_from_the_calls_in_the_code() {
    let dir = tempfile::tempdir().unwrap();
    // Uses READ and WRITE, declares them: no scope finding.
    connect_app(dir.path(), "lean", r#""READ", "WRITE""#, ACE_ROUTES);
    let r = json(&run(dir.path(), &["scan", "lean", "--format", "json"]));
    assert!(rules_of(&r).is_empty(), "{:?}", rules_of(&r));
    // Declares ADMIN for the same calls: excess, citing the most demanding call.
    connect_app(
        dir.path(),
        "greedy",
        r#""READ", "WRITE", "ADMIN""#,
        ACE_ROUTES,
    );
    let r = json(&run(dir.path(), &["scan", "greedy", "--format", "json"]));
    assert_eq!(
        rules_of(&r),
        vec!["connect/excess-scope", "connect/risky-scope"]
    );
    let excess = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "connect/excess-scope")
        .unwrap();
    assert_eq!(excess["severity"], "high");
    let msg = excess["message"].as_str().unwrap();
    assert!(
        msg.contains("declares ADMIN")
            && msg.contains("need at most WRITE")
            && msg.contains("PUT /rest/api/3/issue/{issueIdOrKey}"),
        "{msg}"
    );
    let origins: Vec<&str> = excess["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["origin"].as_str().unwrap())
        .collect();
    assert_eq!(
        origins,
        vec!["greedy/atlassian-connect.json", "greedy/routes/index.js"]
    );
    assert_eq!(excess["locations"][1]["line"], 5);
    // Declares only READ: the PUT needs WRITE.
    connect_app(dir.path(), "short", r#""READ""#, ACE_ROUTES);
    let r = json(&run(dir.path(), &["scan", "short", "--format", "json"]));
    assert_eq!(rules_of(&r), vec!["connect/missing-scope"]);
    // A call whose path the code does not state: no excess claim, a note in the profile.
    let unresolved = format!(
        "{ACE_ROUTES}\nexport function other(httpClient, u) {{ return httpClient.get(u); }}\n"
    );
    connect_app(
        dir.path(),
        "vague",
        r#""READ", "WRITE", "ADMIN""#,
        &unresolved,
    );
    let r = json(&run(dir.path(), &["scan", "vague", "--format", "json"]));
    assert_eq!(rules_of(&r), vec!["connect/risky-scope"]);
    let p = json(&run(dir.path(), &["inspect", "vague", "--format", "json"]));
    let notes = p["apps"][0]["notes"].to_string();
    assert!(
        notes.contains("1 with a path the code does not state"),
        "{notes}"
    );
    assert_eq!(p["apps"][0]["calls"].as_array().unwrap().len(), 3);
    // An operation Connect apps cannot call.
    connect_app(
        dir.path(),
        "blocked",
        r#""READ", "WRITE", "DELETE""#,
        "AP.request({ url: '/rest/api/3/group?groupname=x', type: 'DELETE' });\n",
    );
    let r = json(&run(dir.path(), &["scan", "blocked", "--format", "json"]));
    assert!(
        rules_of(&r).contains(&"connect/inaccessible-api".to_owned()),
        "{:?}",
        rules_of(&r)
    );
}

#[test]
fn forge_scopes_from_resolver_calls() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("forge");
    std::fs::create_dir_all(d.join("src")).unwrap();
    std::fs::write(
        d.join("manifest.yml"),
        "app:\n  id: ari:cloud:ecosystem::app/f1\nmodules:\n  function:\n    - key: main\n      handler: index.run\npermissions:\n  scopes:\n    - read:jira-work\n    - write:jira-work\n    - manage:jira-configuration\n    - storage:app\n",
    )
    .unwrap();
    std::fs::write(
        d.join("src/index.ts"),
        "import api, { route } from '@forge/api';\nexport async function run(key: string, id: string) {\n  await api.asApp().requestJira(route`/rest/api/3/issue/${key}`);\n  await api.asApp().requestJira(route`/rest/api/3/issue/${key}`, { method: 'PUT' });\n  await api.asApp().requestConfluence(route`/wiki/api/v2/pages/${id}`);\n}\n",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "forge", "--format", "json"]));
    assert_eq!(
        rules_of(&r),
        vec!["forge/excess-scope", "forge/missing-scope"]
    );
    let by = |rule: &str| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap()
            .clone()
    };
    assert!(
        by("forge/excess-scope")["message"]
            .as_str()
            .unwrap()
            .contains("manage:jira-configuration")
    );
    assert!(
        by("forge/missing-scope")["message"]
            .as_str()
            .unwrap()
            .contains("read:page:confluence")
    );
    assert_eq!(
        by("forge/missing-scope")["locations"][1]["origin"],
        "forge/src/index.ts"
    );
}

#[test]
fn ace_routes_without_jwt_guards_and_no_auth() {
    let dir = tempfile::tempdir().unwrap();
    let routes = r#"export default function routes(app, addon) {
  app.get('/', (req, res) => res.redirect('/atlassian-connect.json'));
  app.get('/p', (req, res) => res.render('page'));
  app.post('/api/settings', saveSettings);
  app.post('/api/ok', addon.checkValidToken(), saveOk);
  app.get('/health', (req, res) => res.send('ok'));
}
"#;
    connect_app(dir.path(), "ace", r#""READ", "WRITE""#, routes);
    std::fs::write(
        dir.path().join("ace/.env"),
        "PORT=3000\nAC_OPTS=no-auth,force-reg\n",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "ace", "--format", "json"]));
    let got = sorted_findings(&r, rule_severity_at);
    assert_eq!(
        got,
        vec![
            "connect/ace-no-auth high ace/.env:2",
            "connect/unauthenticated-route high ace/routes/index.js:3",
            "connect/unauthenticated-route medium ace/routes/index.js:4",
        ]
    );
    // A global guard covers every route of the file.
    let guarded = format!("app.use(addon.authenticate());\n{routes}");
    connect_app(dir.path(), "ace2", r#""READ", "WRITE""#, &guarded);
    let r = json(&run(dir.path(), &["scan", "ace2", "--format", "json"]));
    assert!(
        r["findings"].as_array().unwrap().is_empty(),
        "{}",
        r["findings"]
    );
}

#[test]
fn java_annotations_in_p2_and_spring_boot_connect_sources() {
    let dir = tempfile::tempdir().unwrap();
    let p2 = dir.path().join("p2");
    std::fs::create_dir_all(p2.join("src/main/resources")).unwrap();
    std::fs::create_dir_all(p2.join("src/main/java/com/example")).unwrap();
    std::fs::write(
        p2.join("src/main/resources/atlassian-plugin.xml"),
        r#"<atlassian-plugin key="com.example.p2" name="P2"><rest key="api" path="/ex" version="1.0"/></atlassian-plugin>"#,
    )
    .unwrap();
    std::fs::write(
        p2.join("src/main/java/com/example/ConfigResource.java"),
        r#"package com.example;
@Path("/config")
public class ConfigResource {
    @GET
    @AnonymousAllowed
    public Response read() { return null; }

    @POST
    @UnrestrictedAccess
    @XsrfProtectionExcluded
    public Response save(String body) { return null; }

    @PUT
    public Response update(String body) { return null; }
}
"#,
    )
    .unwrap();
    let acsb = dir.path().join("acsb");
    std::fs::create_dir_all(acsb.join("src/main/resources")).unwrap();
    std::fs::create_dir_all(acsb.join("src/main/java/com/example")).unwrap();
    std::fs::write(
        acsb.join("src/main/resources/atlassian-connect.json"),
        CONNECT_GOOD,
    )
    .unwrap();
    std::fs::write(
        acsb.join("src/main/java/com/example/Hooks.java"),
        r#"@Controller
public class Hooks {
    @IgnoreJwt
    @PostMapping("/hook")
    public void hook() {}

    @ContextJwt
    @GetMapping("/panel-data")
    public String data() { return ""; }

    @GetMapping("/p")
    public String page() { return "p"; }
}
"#,
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", ".", "--format", "json"]));
    let got = sorted_findings(&r, rule_severity_at);
    assert_eq!(
        got,
        vec![
            "connect/jwt-ignored high acsb/src/main/java/com/example/Hooks.java:3",
            "connect/jwt-ignored low acsb/src/main/java/com/example/Hooks.java:7",
            "p2/anonymous-endpoint high p2/src/main/java/com/example/ConfigResource.java:8",
            "p2/anonymous-endpoint medium p2/src/main/java/com/example/ConfigResource.java:4",
            "p2/xsrf-check-disabled high p2/src/main/java/com/example/ConfigResource.java:8",
        ]
    );
    let p = json(&run(dir.path(), &["inspect", "p2", "--format", "json"]));
    let auths: Vec<&str> = p["apps"][0]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["auth"].as_str().unwrap())
        .collect();
    assert!(
        auths.contains(&"anonymous (@UnrestrictedAccess)"),
        "{auths:?}"
    );
}

#[test]
fn forge_code_contacting_undeclared_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("forge");
    std::fs::create_dir_all(d.join("src")).unwrap();
    std::fs::write(
        d.join("manifest.yml"),
        "app:\n  id: ari:cloud:ecosystem::app/e1\nmodules:\n  function:\n    - key: main\n      handler: index.run\npermissions:\n  scopes: []\n  external:\n    fetch:\n      backend:\n        - api.example.com\n        - '*.cdn.example.org'\n    images:\n      - img.example.com\n",
    )
    .unwrap();
    std::fs::write(
        d.join("src/index.jsx"),
        "import api from '@forge/api';\nexport async function run() {\n  await api.fetch('https://api.example.com/v1/items');\n  await api.fetch('https://eu.cdn.example.org/x');\n  await api.fetch('https://tracker.example.net/collect');\n  await api.fetch('https://tracker.example.net/again');\n}\nexport const Logo = () => <img src=\"https://other.example.com/logo.png\" />;\n",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "forge", "--format", "json"]));
    let got = sorted_findings(&r, rule_at);
    assert_eq!(
        got,
        vec![
            "forge/broad-egress forge/manifest.yml:13",
            "forge/undeclared-egress forge/src/index.jsx:5",
            "forge/undeclared-egress forge/src/index.jsx:8",
        ]
    );
    let p = json(&run(dir.path(), &["inspect", "forge", "--format", "json"]));
    let hosts: Vec<&str> = p["apps"][0]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["host"].as_str().unwrap())
        .collect();
    assert!(hosts.contains(&"tracker.example.net"), "{hosts:?}");
}

/// Compile Java sources with the machine's javac into `out` (annotation stubs included).
fn javac(src_root: &Path, out: &Path) {
    let mut files = Vec::new();
    let mut stack = vec![src_root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "java") {
                files.push(p);
            }
        }
    }
    let status = Command::new("javac")
        .arg("-d")
        .arg(out)
        .args(&files)
        .status()
        .expect("javac must be on PATH (the tests compile a small P2 plugin)");
    assert!(status.success());
}

#[test]
fn bytecode_and_source_give_the_same_finding() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("plugin");
    let java = p.join("src/main/java");
    std::fs::create_dir_all(p.join("src/main/resources")).unwrap();
    // Stubs with the real annotations' names and runtime retention.
    for (pkg, name) in [
        (
            "com/atlassian/plugins/rest/common/security",
            "AnonymousAllowed",
        ),
        (
            "com/atlassian/annotations/security",
            "XsrfProtectionExcluded",
        ),
        ("javax/ws/rs", "POST"),
        ("javax/ws/rs", "GET"),
    ] {
        std::fs::create_dir_all(java.join(pkg)).unwrap();
        std::fs::write(
            java.join(pkg).join(format!("{name}.java")),
            format!("package {};\n@java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)\npublic @interface {name} {{}}\n", pkg.replace('/', ".")),
        )
        .unwrap();
    }
    std::fs::create_dir_all(java.join("com/example")).unwrap();
    std::fs::write(
        java.join("com/example/ConfigResource.java"),
        "package com.example;\nimport com.atlassian.plugins.rest.common.security.AnonymousAllowed;\nimport javax.ws.rs.POST;\nimport javax.ws.rs.GET;\npublic class ConfigResource {\n    @GET\n    public String read() { return \"\"; }\n\n    @POST\n    @AnonymousAllowed\n    public String save(String body) { return body; }\n}\n",
    )
    .unwrap();
    let descriptor = r#"<atlassian-plugin key="com.example.bytecode" name="B"><rest key="api" path="/b" version="1.0"/></atlassian-plugin>"#;
    std::fs::write(
        p.join("src/main/resources/atlassian-plugin.xml"),
        descriptor,
    )
    .unwrap();
    let classes = dir.path().join("classes");
    std::fs::create_dir_all(&classes).unwrap();
    javac(&java, &classes);
    let class = std::fs::read(classes.join("com/example/ConfigResource.class")).unwrap();
    std::fs::create_dir_all(dir.path().join("dist")).unwrap();
    std::fs::write(
        dir.path().join("dist/plugin-1.0.jar"),
        zip_of(&[
            ("atlassian-plugin.xml", descriptor.as_bytes()),
            ("com/example/ConfigResource.class", &class),
        ]),
    )
    .unwrap();
    // The JAR alone: found from bytecode.
    let r = json(&run(dir.path(), &["scan", "dist", "--format", "json"]));
    let f: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "p2/anonymous-endpoint")
        .collect();
    assert_eq!(f.len(), 1, "{}", r["findings"]);
    assert_eq!(f[0]["severity"], "high");
    assert_eq!(
        f[0]["locations"][0]["origin"],
        "dist/plugin-1.0.jar!/com/example/ConfigResource.class"
    );
    // Source and JAR together: the same finding, both places.
    let r = json(&run(
        dir.path(),
        &["scan", "plugin", "dist", "--format", "json"],
    ));
    let f: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "p2/anonymous-endpoint")
        .collect();
    assert_eq!(f.len(), 1, "{}", r["findings"]);
    let places: Vec<&str> = f[0]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["origin"].as_str().unwrap())
        .collect();
    assert_eq!(
        places,
        vec![
            "dist/plugin-1.0.jar!/com/example/ConfigResource.class",
            "plugin/src/main/java/com/example/ConfigResource.java"
        ]
    );
}

#[test]
fn tenant_secrets_in_plaintext_framework_stores() {
    let dir = tempfile::tempdir().unwrap();
    connect_app(dir.path(), "ace", r#""READ", "WRITE""#, ACE_ROUTES);
    std::fs::write(
        dir.path().join("ace/package-lock.json"),
        r#"{"lockfileVersion": 3, "packages": {"": {"dependencies": {"atlassian-connect-express": "^10"}}, "node_modules/atlassian-connect-express": {"version": "10.0.1"}}}"#,
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "ace", "--format", "json"]));
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "connect/plaintext-shared-secret")
        .expect("finding");
    assert_eq!(f["guideline"], "code.tokens-encrypted-at-rest");
    assert_eq!(f["confidence"], "medium");
    assert_eq!(f["locations"][1]["origin"], "ace/package-lock.json");
    // An encrypting store adapter registered in the app: no finding.
    std::fs::write(
        dir.path().join("ace/store.js"),
        "module.exports = function (ace) { ace.store.register('encrypted', require('./encrypted-store')); };\n",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "ace", "--format", "json"]));
    assert!(
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "connect/plaintext-shared-secret")
    );
}

#[test]
fn java_crypto_and_tls_smells_anywhere_in_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/Auth.java"),
        "class Auth {\n    String hashPassword(String password) throws Exception {\n        return new String(java.security.MessageDigest.getInstance(\"MD5\").digest(password.getBytes()));\n    }\n    byte[] etag(byte[] b) throws Exception { return java.security.MessageDigest.getInstance(\"MD5\").digest(b); }\n    void tls() throws Exception { javax.net.ssl.SSLContext.getInstance(\"TLSv1\"); javax.net.ssl.SSLContext.getInstance(\"TLS\"); }\n}\n",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "src", "--format", "json"]));
    let got = shown(&r, rule_guideline_line);
    // The MD5 of an ETag is not a password hash: not reported.
    assert_eq!(
        got,
        vec![
            "java/weak-password-hash code.salted-password-hashing 3",
            "java/legacy-tls code.tls-in-transit 6"
        ]
    );
}

#[test]
fn velocity_templates_that_turn_escaping_off() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/raw.vm"),
        "## @noautoescape\n<div>$req.getParameter('q')</div>\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("templates/jira.vm"),
        "#disable_html_escaping()\n<p>$comment</p>\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("templates/fine.vm"),
        "<p>$comment</p>\n<p>$bodyHtml</p>\n",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "templates", "--format", "json"]));
    let got = sorted_findings(&r, rule_at);
    assert_eq!(
        got,
        vec![
            "p2/velocity-escaping-disabled templates/jira.vm:1",
            "p2/velocity-escaping-disabled templates/raw.vm:1"
        ]
    );
}

#[test]
fn admin_endpoints_without_websudo() {
    let dir = tempfile::tempdir().unwrap();
    let p2 = dir.path().join("p2");
    std::fs::create_dir_all(p2.join("src/main/resources")).unwrap();
    std::fs::create_dir_all(p2.join("src/main/java/x")).unwrap();
    std::fs::write(
        p2.join("src/main/resources/atlassian-plugin.xml"),
        r#"<atlassian-plugin key="k.admin" name="A"/>"#,
    )
    .unwrap();
    std::fs::write(
        p2.join("src/main/java/x/AdminResource.java"),
        "package x;\n@AdminOnly\npublic class AdminResource {\n    @POST\n    public void reset() {}\n}\n@AdminOnly\n@WebSudoRequired\nclass Careful {\n    @POST\n    public void reset() {}\n}\n",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "p2", "--format", "json"]));
    let got = shown(&r, rule_severity_line);
    assert_eq!(got, vec!["p2/admin-without-websudo medium 4"]);
}

#[test]
fn spring_security_ignoring_the_apps_own_urls() {
    let dir = tempfile::tempdir().unwrap();
    let acsb = dir.path().join("acsb");
    std::fs::create_dir_all(acsb.join("src/main/resources")).unwrap();
    std::fs::create_dir_all(acsb.join("src/main/java/x")).unwrap();
    std::fs::write(
        acsb.join("src/main/resources/atlassian-connect.json"),
        CONNECT_GOOD,
    )
    .unwrap();
    std::fs::write(
        acsb.join("src/main/java/x/Security.java"),
        "package x;\nclass Security {\n    public void configure(WebSecurity web) {\n        web.ignoring().antMatchers(\"/css/**\", \"/installed\");\n    }\n}\n",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "acsb", "--format", "json"]));
    let got = shown(&r, rule_at);
    assert_eq!(
        got,
        vec!["connect/security-ignored-path acsb/src/main/java/x/Security.java:4"]
    );
    let msg = r["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("/installed") && msg.contains("lifecycle"),
        "{msg}"
    );
}

#[test]
fn spring_boot_rest_calls_feed_the_scope_checks() {
    let dir = tempfile::tempdir().unwrap();
    let acsb = dir.path().join("acsb");
    std::fs::create_dir_all(acsb.join("src/main/resources")).unwrap();
    std::fs::create_dir_all(acsb.join("src/main/java/x")).unwrap();
    let desc = CONNECT_GOOD.replace(r#""READ", "WRITE""#, r#""READ", "WRITE", "DELETE""#);
    std::fs::write(acsb.join("src/main/resources/atlassian-connect.json"), desc).unwrap();
    std::fs::write(
        acsb.join("src/main/java/x/Issues.java"),
        "package x;\nclass Issues {\n    void run(AtlassianHostRestClients clients, String key) {\n        clients.authenticatedAsAddon().getForObject(\"/rest/api/3/issue/{key}\", String.class, key);\n        clients.authenticatedAsAddon().put(\"/rest/api/3/issue/\" + key, null);\n    }\n}\n",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "acsb", "--format", "json"]));
    let rules: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["connect/excess-scope"], "{}", r["findings"]);
    let msg = r["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("declares DELETE") && msg.contains("need at most WRITE"),
        "{msg}"
    );
    let places: Vec<&str> = r["findings"][0]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["origin"].as_str().unwrap())
        .collect();
    assert_eq!(
        places,
        vec![
            "acsb/src/main/java/x/Issues.java",
            "acsb/src/main/resources/atlassian-connect.json"
        ]
    );
}

#[test]
fn java_smells_from_bytecode() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src/x");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("Net.java"),
        "package x;\nimport javax.net.ssl.*;\nimport java.security.cert.X509Certificate;\npublic class Net {\n    public SSLContext tls() throws Exception { return SSLContext.getInstance(\"TLSv1\"); }\n    public Object read(java.io.InputStream in) throws Exception { return new java.io.ObjectInputStream(in).readObject(); }\n}\nclass TrustAll implements X509TrustManager {\n    public void checkClientTrusted(X509Certificate[] c, String a) {}\n    public void checkServerTrusted(X509Certificate[] c, String a) {}\n    public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }\n}\nclass AnyHost implements HostnameVerifier {\n    public boolean verify(String h, SSLSession s) { return true; }\n}\nclass Fine {\n    String sha(byte[] b) throws Exception { return new String(java.security.MessageDigest.getInstance(\"SHA-256\").digest(b)); }\n}\n",
    )
    .unwrap();
    let classes = dir.path().join("classes");
    std::fs::create_dir_all(&classes).unwrap();
    javac(&dir.path().join("src"), &classes);
    let read = |n: &str| std::fs::read(classes.join("x").join(n)).unwrap();
    let (net, trust, any, fine) = (
        read("Net.class"),
        read("TrustAll.class"),
        read("AnyHost.class"),
        read("Fine.class"),
    );
    std::fs::create_dir_all(dir.path().join("dist")).unwrap();
    std::fs::write(
        dir.path().join("dist/lib.jar"),
        zip_of(&[
            ("x/Net.class", &net),
            ("x/TrustAll.class", &trust),
            ("x/AnyHost.class", &any),
            ("x/Fine.class", &fine),
        ]),
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "dist", "--format", "json"]));
    let mut got: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["locations"][0]["origin"].as_str().unwrap()
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            "java/legacy-tls dist/lib.jar!/x/Net.class",
            "java/permissive-hostname-verifier dist/lib.jar!/x/AnyHost.class",
            "java/trust-all-certificates dist/lib.jar!/x/TrustAll.class",
            "java/unsafe-deserialization dist/lib.jar!/x/Net.class",
        ]
    );
}

#[test]
fn kotlin_plugins_and_connect_apps_are_checked_like_java() {
    let dir = tempfile::tempdir().unwrap();
    let p2 = dir.path().join("p2");
    std::fs::create_dir_all(p2.join("src/main/resources")).unwrap();
    std::fs::create_dir_all(p2.join("src/main/kotlin/com/example")).unwrap();
    std::fs::write(
        p2.join("src/main/resources/atlassian-plugin.xml"),
        r#"<atlassian-plugin key="com.example.kt" name="Kt"><rest key="api" path="/kt" version="1.0"/></atlassian-plugin>"#,
    )
    .unwrap();
    std::fs::write(
        p2.join("src/main/kotlin/com/example/ConfigResource.kt"),
        r#"package com.example

@Path("/config")
class ConfigResource {
    @GET
    fun read(): Response = Response.ok().build()

    @POST
    @AnonymousAllowed
    @XsrfProtectionExcluded
    fun save(body: String): Response {
        val digest = MessageDigest.getInstance("MD5").digest(password.toByteArray())
        return Response.ok().build()
    }
}
"#,
    )
    .unwrap();
    let acsb = dir.path().join("acsb");
    std::fs::create_dir_all(acsb.join("src/main/resources")).unwrap();
    std::fs::create_dir_all(acsb.join("src/main/kotlin/x")).unwrap();
    let desc = CONNECT_GOOD.replace(r#""READ", "WRITE""#, r#""READ", "WRITE", "DELETE""#);
    std::fs::write(acsb.join("src/main/resources/atlassian-connect.json"), desc).unwrap();
    std::fs::write(
        acsb.join("src/main/kotlin/x/Issues.kt"),
        "package x\nconst val ISSUE = \"/rest/api/3/issue/\"\nclass Issues(private val webClient: WebClient) {\n    fun run(key: String) {\n        webClient.get().uri(\"/rest/api/3/issue/{key}\", key).retrieve()\n        webClient.put().uri(\"$ISSUE$key\").retrieve()\n    }\n}\n",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", ".", "--format", "json"]));
    assert_eq!(
        sorted_findings(&r, rule_severity_at),
        vec![
            "connect/excess-scope medium acsb/src/main/kotlin/x/Issues.kt:6",
            "java/weak-password-hash high p2/src/main/kotlin/com/example/ConfigResource.kt:12",
            "p2/anonymous-endpoint high p2/src/main/kotlin/com/example/ConfigResource.kt:8",
            "p2/xsrf-check-disabled high p2/src/main/kotlin/com/example/ConfigResource.kt:8",
        ]
    );
    let p = json(&run(dir.path(), &["inspect", "acsb", "--format", "json"]));
    let calls: Vec<String> = p["apps"][0]["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["method"].as_str().unwrap(), c["path"]))
        .collect();
    assert_eq!(
        calls,
        vec![
            "GET \"/rest/api/3/issue/{key}\"",
            "PUT \"/rest/api/3/issue/{p}\""
        ]
    );
}

/// Stub Spring and atlassian-connect-spring-boot types with the real names, so that
/// compiled calls reference them as a real app's would.
fn spring_stubs(java: &Path) {
    for (pkg, name, body) in [
        (
            "org/springframework/http",
            "HttpMethod",
            "public enum HttpMethod { GET, POST, PUT, DELETE, PATCH }",
        ),
        (
            "org/springframework/web/client",
            "RestTemplate",
            "public class RestTemplate {\n  public <T> T getForObject(String u, Class<T> c, Object... a) { return null; }\n  public void put(String u, Object b, Object... a) {}\n  public void delete(String u, Object... a) {}\n  public <T> T exchange(String u, org.springframework.http.HttpMethod m, Object e, Class<T> c, Object... a) { return null; }\n}",
        ),
        (
            "com/atlassian/connect/spring",
            "AtlassianHostRestClients",
            "public interface AtlassianHostRestClients {\n  org.springframework.web.client.RestTemplate authenticatedAsAddon();\n  org.springframework.web.client.RestTemplate authenticatedAsHostActor();\n}",
        ),
        (
            "org/springframework/web/reactive/function/client",
            "WebClient",
            "public interface WebClient {\n  Spec get(); Spec post(); Spec method(org.springframework.http.HttpMethod m);\n  interface Spec { Spec uri(String u, Object... a); Spec retrieve(); }\n}",
        ),
    ] {
        std::fs::create_dir_all(java.join(pkg)).unwrap();
        std::fs::write(
            java.join(pkg).join(format!("{name}.java")),
            format!("package {};\n{body}\n", pkg.replace('/', ".")),
        )
        .unwrap();
    }
}

#[test]
fn rest_calls_read_from_class_files() {
    let dir = tempfile::tempdir().unwrap();
    let java = dir.path().join("src");
    spring_stubs(&java);
    std::fs::create_dir_all(java.join("x")).unwrap();
    std::fs::write(
        java.join("x/Issues.java"),
        r#"package x;
import com.atlassian.connect.spring.AtlassianHostRestClients;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.client.WebClient;
public class Issues {
    static final String ISSUE = "/rest/api/3/issue/";
    AtlassianHostRestClients clients;
    WebClient webClient;
    String read(String key) { return clients.authenticatedAsAddon().getForObject("/rest/api/3/issue/{key}", String.class, key); }
    void update(String key) { clients.authenticatedAsAddon().put(ISSUE + key, "{}"); }
    void old(String key) { clients.authenticatedAsHostActor().exchange(new StringBuilder("/rest/api/3/issue/").append(key).toString(), HttpMethod.DELETE, null, Void.class); }
    void comment(String key) { webClient.post().uri("/rest/api/3/issue/{key}/comment", key).retrieve(); }
    void anywhere(String url) { clients.authenticatedAsAddon().getForObject(url, String.class); }
}
"#,
    )
    .unwrap();
    let classes = dir.path().join("classes");
    std::fs::create_dir_all(&classes).unwrap();
    javac(&java, &classes);
    let class = std::fs::read(classes.join("x/Issues.class")).unwrap();
    std::fs::create_dir_all(dir.path().join("dist")).unwrap();
    std::fs::write(
        dir.path().join("dist/app.jar"),
        zip_of(&[
            (
                "BOOT-INF/classes/atlassian-connect.json",
                CONNECT_GOOD.as_bytes(),
            ),
            ("BOOT-INF/classes/x/Issues.class", &class),
        ]),
    )
    .unwrap();
    let p = json(&run(
        dir.path(),
        &["inspect", "dist/app.jar", "--format", "json"],
    ));
    let calls: Vec<String> = p["apps"][0]["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {}",
                c["method"].as_str().unwrap(),
                c["path"],
                c["needs"]
            )
        })
        .collect();
    assert_eq!(
        calls,
        vec![
            "DELETE \"/rest/api/3/issue/{p}\" \"DELETE\"",
            "GET null null",
            "GET \"/rest/api/3/issue/{key}\" \"READ\"",
            "POST \"/rest/api/3/issue/{key}/comment\" \"WRITE\"",
            "PUT \"/rest/api/3/issue/{p}\" \"WRITE\"",
        ]
    );
    // DELETE and act-as-user are needed and not declared; the unresolved call stops any
    // excess-scope conclusion.
    let r = json(&run(dir.path(), &["scan", "dist", "--format", "json"]));
    let mut msgs: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["locations"].as_array().unwrap().len()
            )
        })
        .collect();
    msgs.sort();
    assert_eq!(
        msgs,
        vec!["connect/missing-scope 2", "connect/missing-scope 2"],
        "{}",
        r["findings"]
    );
}

#[test]
fn a_descriptor_built_in_code_is_analysed_for_what_it_states() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("src/descriptor.js"),
        r#"const KEY = 'com.example.coded';
module.exports = (app) => {
  app.get('/atlassian-connect.json', (req, res) => {
    res.json({
      key: KEY,
      name: 'Coded',
      baseUrl: process.env.BASE_URL,
      authentication: { type: 'jwt' },
      lifecycle: { installed: '/installed' },
      apiMigrations: { 'signed-install': true, 'context-qsh': true },
      scopes: ['READ', 'ADMIN'],
      modules: { generalPages: [{ key: 'p', url: '/p', name: { value: 'P' } }] },
    });
  });
};
"#,
    )
    .unwrap();
    std::fs::write(
        app.join("src/issues.js"),
        "module.exports = (addon) => (req) => addon.httpClient(req).get('/rest/api/3/issue/' + req.query.key);\n",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "app", "--format", "json"]));
    assert_eq!(
        sorted_findings(&r, rule_severity_at),
        vec![
            "connect/excess-scope high app/src/descriptor.js:11",
            "connect/risky-scope medium app/src/descriptor.js:11",
        ]
    );
    let p = json(&run(dir.path(), &["inspect", "app", "--format", "json"]));
    assert_eq!(p["apps"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["apps"][0]["key"], "com.example.coded");
    let notes = p["apps"][0]["notes"].to_string();
    assert!(
        notes.contains("descriptor built in code at app/src/descriptor.js:4")
            && notes.contains("not known and not checked: baseUrl"),
        "{notes}"
    );
    // A project with a descriptor file: the literal is not a second app.
    std::fs::write(app.join("atlassian-connect.json"), CONNECT_GOOD).unwrap();
    let p = json(&run(dir.path(), &["inspect", "app", "--format", "json"]));
    assert_eq!(p["apps"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["apps"][0]["key"], "com.example.lean");
}

#[test]
fn forge_web_triggers_must_authenticate_callers() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("forge");
    std::fs::create_dir_all(app.join("src/triggers")).unwrap();
    std::fs::write(
        app.join("manifest.yml"),
        "app:\n  id: ari:cloud:ecosystem::app/abc\nmodules:\n  webtrigger:\n    - key: open-hook\n      function: open\n    - key: signed-hook\n      function: signed\n  function:\n    - key: open\n      handler: index.open\n    - key: signed\n      handler: triggers/signed.run\npermissions:\n  scopes:\n    - storage:app\n",
    )
    .unwrap();
    std::fs::write(
        app.join("src/index.js"),
        "import { storage } from '@forge/api';\nexport const open = async (request) => {\n  await storage.set('last', JSON.parse(request.body));\n  return { statusCode: 204 };\n};\n",
    )
    .unwrap();
    std::fs::write(
        app.join("src/triggers/signed.ts"),
        "import crypto from 'crypto';\nconst valid = (req: any) => {\n  const mac = crypto.createHmac('sha256', process.env.HOOK_KEY!).update(req.body).digest('hex');\n  return crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(req.headers['x-hook-mac'][0]));\n};\nexport async function run(req: any) {\n  if (!valid(req)) return { statusCode: 401 };\n  return { statusCode: 204 };\n}\n",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "forge", "--format", "json"]));
    let f: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "forge/unauthenticated-webtrigger")
        .collect();
    assert_eq!(f.len(), 1, "{}", r["findings"]);
    let places: Vec<String> = f[0]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("{}:{}", l["origin"].as_str().unwrap(), l["line"]))
        .collect();
    assert_eq!(places, vec!["forge/manifest.yml:5", "forge/src/index.js:2"]);
    assert!(f[0]["message"].as_str().unwrap().contains("open-hook"));
}

#[test]
fn credentials_persisted_in_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("svc/src/main/java/x")).unwrap();
    std::fs::create_dir_all(dir.path().join("web/models")).unwrap();
    std::fs::write(
        dir.path().join("svc/src/main/java/x/Tenant.java"),
        "package x;\n@Entity\npublic class Tenant {\n    @Id private String clientKey;\n    private String oauthClientSecret;\n    @Convert(converter = Encrypting.class) private String accessToken;\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("web/models/install.js"),
        "const mongoose = require('mongoose');\nmodule.exports = mongoose.model('Install', new mongoose.Schema({\n  clientKey: String,\n  sharedSecret: { type: String, required: true },\n}));\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("web/models/settings.js"),
        "module.exports = new Schema({ theme: String, refreshTokenExpiry: Date });\n",
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", ".", "--format", "json"]));
    assert_eq!(
        sorted_findings(&r, rule_severity_at),
        vec![
            "code/plaintext-credential-storage medium svc/src/main/java/x/Tenant.java:5",
            "code/plaintext-credential-storage medium web/models/install.js:4",
        ]
    );
}

#[test]
fn request_data_rendered_unescaped_from_source_and_bytecode() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("plugin");
    let java = p.join("src/main/java");
    std::fs::create_dir_all(p.join("src/main/resources/templates")).unwrap();
    std::fs::create_dir_all(java.join("x")).unwrap();
    std::fs::write(
        java.join("x/JiraWebActionSupport.java"),
        "package x;\npublic class JiraWebActionSupport {}\n",
    )
    .unwrap();
    std::fs::write(
        java.join("x/Panel.java"),
        "package x;\nimport java.util.Map;\npublic class Panel {\n    javax.servlet.http.HttpServletRequest request;\n    public Map<String, Object> context(Map<String, Object> ctx) {\n        ctx.put(\"titleHtml\", request.getParameter(\"title\"));\n        ctx.put(\"bodyHtml\", \"<b>fixed</b>\");\n        return ctx;\n    }\n}\n",
    )
    .unwrap();
    std::fs::write(
        java.join("x/EditAction.java"),
        "package x;\npublic class EditAction extends JiraWebActionSupport {\n    private String noteHtml;\n    private String otherHtml;\n    public void setNoteHtml(String n) { noteHtml = n; }\n    public String getNoteHtml() { return noteHtml; }\n    public void setOtherHtml(String n) { otherHtml = n; }\n    public String getOtherHtml() { return otherHtml; }\n}\n",
    )
    .unwrap();
    // A servlet API stub so javac can compile the panel.
    std::fs::create_dir_all(java.join("javax/servlet/http")).unwrap();
    std::fs::write(
        java.join("javax/servlet/http/HttpServletRequest.java"),
        "package javax.servlet.http;\npublic interface HttpServletRequest { String getParameter(String n); }\n",
    )
    .unwrap();
    std::fs::write(
        p.join("src/main/resources/templates/edit.vm"),
        "<h1>$titleHtml $bodyHtml</h1>\n<div>$!{action.noteHtml}</div>\n",
    )
    .unwrap();
    std::fs::write(
        p.join("src/main/resources/atlassian-plugin.xml"),
        r#"<atlassian-plugin key="x.xss" name="X"/>"#,
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "plugin", "--format", "json"]));
    assert_eq!(
        sorted_findings(&r, rule_at),
        vec![
            "p2/unescaped-request-data plugin/src/main/java/x/EditAction.java:6",
            "p2/unescaped-request-data plugin/src/main/java/x/Panel.java:6",
        ]
    );
    // The compiled classes give the same two findings (merged with the source ones).
    let classes = dir.path().join("classes");
    std::fs::create_dir_all(&classes).unwrap();
    javac(&java, &classes);
    let read = |n: &str| std::fs::read(classes.join("x").join(n)).unwrap();
    let (panel, action) = (read("Panel.class"), read("EditAction.class"));
    std::fs::create_dir_all(dir.path().join("dist")).unwrap();
    std::fs::write(
        dir.path().join("dist/plugin.jar"),
        zip_of(&[
            (
                "atlassian-plugin.xml",
                br#"<atlassian-plugin key="x.xss" name="X"/>"#,
            ),
            ("x/Panel.class", &panel),
            ("x/EditAction.class", &action),
            (
                "templates/edit.vm",
                b"<h1>$titleHtml $bodyHtml</h1>\n<div>$!{action.noteHtml}</div>\n",
            ),
        ]),
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", "dist", "--format", "json"]));
    let all_places = |f: &Value| -> String {
        f["locations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| format!("{}:{}", l["origin"].as_str().unwrap(), l["line"]))
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        sorted_findings(&r, all_places),
        vec![
            "dist/plugin.jar!/templates/edit.vm:1 dist/plugin.jar!/x/Panel.class:0",
            "dist/plugin.jar!/templates/edit.vm:2 dist/plugin.jar!/x/EditAction.class:0",
        ]
    );
    let r = json(&run(
        dir.path(),
        &["scan", "plugin", "dist", "--format", "json"],
    ));
    assert_eq!(
        r["findings"].as_array().unwrap().len(),
        2,
        "{}",
        r["findings"]
    );
}
