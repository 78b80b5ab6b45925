//! Atlassian app analysis: recognise Connect apps (`atlassian-connect.json`), Forge apps
//! (`manifest.yml`) and P2 / Data Center apps (`atlassian-plugin.xml`, in a source tree or a
//! JAR/OBR), check their descriptors against Atlassian's security requirements, and build
//! each app's profile (what it can reach, what it exposes, where it connects) for
//! `vendorsec inspect` and `vendorsec diff`.
//!
//! This first part reads descriptors only; the analysis of the code they point at (REST
//! calls and their scopes, route guards, class-file annotations) is not written yet.

pub mod classfile;
mod connect;
mod forge;
mod model;
mod p2;
pub mod scopes;
mod usage;

use std::sync::Mutex;

pub use model::{AppKind, AppProfile, CallInfo, Endpoint, Host, ScopeInfo};
/// Largest source file whose calls are read.
pub use vendorsec_code::MAX_SOURCE_BYTES;
use vendorsec_core::Finding;

/// The rules of this analyser: id, name, description, default severity, guideline item.
pub const RULES: [(&str, &str, &str, vendorsec_core::Severity, &str); 36] = {
    use vendorsec_core::Severity::{High, Low, Medium};
    [
        (
            "connect/descriptor-invalid",
            "Connect descriptor incomplete",
            "The Connect descriptor lacks a key, name or baseUrl, or is not a JSON object.",
            Medium,
            "code.owasp-top-10",
        ),
        (
            "connect/no-jwt-authentication",
            "Connect app without JWT authentication",
            "The descriptor declares modules or lifecycle callbacks but `authentication.type` is not `jwt`, so the product does not sign its requests to the app.",
            High,
            "code.owasp-top-10",
        ),
        (
            "connect/base-url-not-https",
            "Connect baseUrl is not HTTPS",
            "The app's baseUrl (where the product sends users, tokens and install secrets) is plain HTTP.",
            High,
            "code.tls-in-transit",
        ),
        (
            "connect/api-migration-missing",
            "Connect security API migration not enabled",
            "`apiMigrations` lacks `signed-install: true` (asymmetric, verifiable install callbacks) or `context-qsh: true` (context tokens marked as such).",
            Medium,
            "code.owasp-top-10",
        ),
        (
            "connect/risky-scope",
            "Connect app declares a high-risk scope",
            "ADMIN, ACT_AS_USER or ACCESS_EMAIL_ADDRESSES: each needs a justification; keep scopes as lean as possible.",
            Medium,
            "code.lean-scopes",
        ),
        (
            "forge/broad-egress",
            "Forge app egress too broad",
            "`permissions.external` allows any domain (`*`), a wildcard domain, or analytics egress that carries in-scope end-user data.",
            High,
            "code.lean-scopes",
        ),
        (
            "forge/csp-relaxation",
            "Forge Custom UI content security policy relaxed",
            "`permissions.content` allows `unsafe-eval`, `unsafe-inline` or `unsafe-hashes`, weakening the Custom UI's protection against script injection.",
            Medium,
            "code.owasp-top-10",
        ),
        (
            "forge/impersonation-scope",
            "Forge scope with user impersonation",
            "A scope is declared with `allowImpersonation: true` (offline user impersonation); it needs a justification.",
            Medium,
            "code.lean-scopes",
        ),
        (
            "p2/unescaped-request-data",
            "Request data rendered without HTML escaping",
            "Request data reaches a Velocity reference that is not escaped: a context value named …Html set from request.getParameter (or similar), a web action's bound …Html parameter that a template renders, an @HtmlSafe getter returning request data, or a template's #set of an …Html variable from the request.",
            High,
            "code.owasp-top-10",
        ),
        (
            "code/plaintext-credential-storage",
            "Credential stored without encryption",
            "A persisted field or key named like a token or secret (JPA / Spring Data entity field without an encrypting converter, Mongoose or Sequelize model field in a file that encrypts nothing, Forge storage.set instead of setSecret) holds the credential as plain text.",
            Medium,
            "code.tokens-encrypted-at-rest",
        ),
        (
            "forge/unauthenticated-webtrigger",
            "Forge web trigger without caller authentication",
            "A web trigger's handler reads no credential from the request (no Authorization or signature header, token, HMAC or verify call, in the handler or a helper it calls): anyone who learns the URL can invoke it.",
            Medium,
            "code.owasp-top-10",
        ),
        (
            "forge/insecure-remote",
            "Forge remote over plain HTTP",
            "A `remotes` entry's baseUrl is plain HTTP, so Forge invocation tokens and data travel unencrypted.",
            High,
            "code.tls-in-transit",
        ),
        (
            "p2/servlet-filter-before-login",
            "P2 servlet filter runs before login",
            "A `servlet-filter` module runs before authentication (`location=\"before-login\"`) or on every URL (`/*`); it sees unauthenticated requests and must not trust or change them.",
            Medium,
            "code.owasp-top-10",
        ),
        (
            "connect/excess-scope",
            "Connect scope beyond what the code needs",
            "The descriptor declares a scope level (or ACT_AS_USER / ACCESS_EMAIL_ADDRESSES) that none of the product REST calls found in the app's code needs; reported only when every call was resolved.",
            Medium,
            "code.lean-scopes",
        ),
        (
            "connect/missing-scope",
            "Connect scope missing for a call",
            "The code calls a product REST operation that needs a scope the descriptor does not declare.",
            Medium,
            "code.lean-scopes",
        ),
        (
            "connect/inaccessible-api",
            "Call to an operation Connect apps cannot use",
            "The code calls a product REST operation marked INACCESSIBLE for Connect apps.",
            Medium,
            "code.lean-scopes",
        ),
        (
            "forge/excess-scope",
            "Forge scope no call needs",
            "The manifest declares a REST scope that none of the product calls found in the app's code needs; reported only when every call was resolved.",
            Medium,
            "code.lean-scopes",
        ),
        (
            "forge/missing-scope",
            "Forge scope missing for a call",
            "The code calls a product REST operation and the manifest declares none of the scopes it accepts.",
            Medium,
            "code.lean-scopes",
        ),
        (
            "connect/unauthenticated-route",
            "Connect app route without JWT verification",
            "An atlassian-connect-express route that serves a module, webhook or lifecycle URL of the descriptor (high), or changes data (medium), is registered without addon.authenticate() or addon.checkValidToken().",
            High,
            "code.owasp-top-10",
        ),
        (
            "connect/ace-no-auth",
            "atlassian-connect-express authentication turned off",
            "AC_OPTS=no-auth disables JWT verification for every route of an atlassian-connect-express app.",
            High,
            "code.owasp-top-10",
        ),
        (
            "connect/jwt-ignored",
            "Spring Boot Connect handler without JWT verification",
            "A handler of an atlassian-connect-spring-boot app is annotated @IgnoreJwt (no token checked; high when it changes data) or @ContextJwt (context tokens accepted, qsh not checked; medium when it changes data).",
            High,
            "code.owasp-top-10",
        ),
        (
            "p2/anonymous-endpoint",
            "P2 endpoint open to anonymous users",
            "A REST resource method (or its class) is annotated @AnonymousAllowed, @UnrestrictedAccess or @AnonymousSiteAccess: anyone can call it without logging in; high when it changes data.",
            High,
            "code.owasp-top-10",
        ),
        (
            "p2/xsrf-check-disabled",
            "P2 XSRF protection excluded",
            "A method or class is annotated @XsrfProtectionExcluded, so state-changing requests from other sites are accepted.",
            Medium,
            "code.owasp-top-10",
        ),
        (
            "forge/undeclared-egress",
            "Forge code contacts an undeclared host",
            "Code under a Forge manifest fetches from, or shows images from, a host that permissions.external does not declare (the call fails at run time, or the manifest hides where data goes).",
            Medium,
            "code.lean-scopes",
        ),
        (
            "connect/plaintext-shared-secret",
            "Tenant shared secrets stored in plaintext",
            "The app uses atlassian-connect-express or atlassian-connect-spring-boot, whose default stores keep each tenant's sharedSecret in plaintext, and no encrypting store adapter or converter was found.",
            Medium,
            "code.tokens-encrypted-at-rest",
        ),
        (
            "java/weak-password-hash",
            "Passwords hashed with MD5 or SHA-1",
            "MessageDigest MD5/SHA-1 in a method or class that handles passwords: use bcrypt, scrypt, Argon2 or PBKDF2 with a salt.",
            High,
            "code.salted-password-hashing",
        ),
        (
            "java/weak-cipher",
            "Weak cipher or ECB mode",
            "Cipher.getInstance with ECB (or a bare AES/DES name, which defaults to ECB), DES or RC4.",
            Medium,
            "code.owasp-top-10",
        ),
        (
            "java/legacy-tls",
            "TLS pinned to a legacy version",
            "SSLContext.getInstance(\"SSL\" | \"SSLv3\" | \"TLSv1\" | \"TLSv1.1\").",
            High,
            "code.tls-in-transit",
        ),
        (
            "java/trust-all-certificates",
            "Certificate validation turned off",
            "An X509TrustManager whose checkServerTrusted does nothing accepts any certificate.",
            High,
            "code.tls-in-transit",
        ),
        (
            "java/permissive-hostname-verifier",
            "Host name verification turned off",
            "A HostnameVerifier that returns true accepts a certificate for any host.",
            High,
            "code.tls-in-transit",
        ),
        (
            "java/unsafe-deserialization",
            "Java deserialization of a stream",
            "new ObjectInputStream(…): deserializing untrusted input can execute code.",
            Medium,
            "code.owasp-top-10",
        ),
        (
            "java/command-execution",
            "Operating-system command execution",
            "Runtime.exec or ProcessBuilder: review that no request data reaches the command.",
            Low,
            "code.owasp-top-10",
        ),
        (
            "p2/velocity-escaping-disabled",
            "Velocity template opts out of HTML escaping",
            "A Velocity template turns automatic HTML escaping off (`#disable_html_escaping()`, Confluence's `#disable_anti_xss()` or `## @noautoescape`): every reference it renders is output raw, so request data in it is cross-site scripting.",
            Medium,
            "code.owasp-top-10",
        ),
        (
            "p2/admin-without-websudo",
            "P2 admin endpoint without WebSudo",
            "A method annotated @AdminOnly or @SystemAdminOnly (on it or its class) has no @WebSudoRequired: an administrator's stolen session can use it without re-authenticating.",
            Low,
            "code.owasp-top-10",
        ),
        (
            "connect/security-ignored-path",
            "Spring Security ignores a Connect app URL",
            "web.ignoring() covers a module, webhook or lifecycle URL of the descriptor, or every URL: requests to it skip the security filter chain.",
            High,
            "code.owasp-top-10",
        ),
        (
            "p2/admin-action-without-role",
            "P2 admin action without an admin role",
            "A webwork action linked from an administration menu has no `roles-required` of admin or sysadmin, so any logged-in user may call it directly.",
            High,
            "code.owasp-top-10",
        ),
    ]
};

/// The descriptor kinds this analyser reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescriptorKind {
    Connect,
    Forge,
    P2,
}

/// Which descriptor a blob is, from its origin chain.
#[must_use]
pub fn kind_of(chain: &[String]) -> Option<DescriptorKind> {
    let last = chain.last()?;
    let leaf = last.rsplit('/').next().unwrap_or(last);
    if last.split('/').any(|c| c == "node_modules") {
        return None;
    }
    if leaf.starts_with("atlassian-connect") && leaf.ends_with(".json") {
        return Some(DescriptorKind::Connect);
    }
    if leaf == "manifest.yml" || leaf == "manifest.yaml" {
        return Some(DescriptorKind::Forge);
    }
    if leaf == "atlassian-plugin.xml" {
        return Some(DescriptorKind::P2);
    }
    None
}

pub use vendorsec_core::facts::DependencyFact;

/// A descriptor that could not be read; the scan goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub reason: String,
}

/// What the analysis found.
#[derive(Debug, Default)]
pub struct Analysis {
    pub profiles: Vec<AppProfile>,
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
}

/// Gathers descriptors from the walk (from several threads); [`Collector::finish`]
/// analyses them.
/// A descriptor as read: origin chain, kind, bytes.
type Descriptor = (Vec<String>, DescriptorKind, Vec<u8>);

#[derive(Default)]
pub struct Collector {
    files: Mutex<Vec<Descriptor>>,
    code: Mutex<Vec<usage::FileCalls>>,
    /// `AC_OPTS=no-auth` lines: file, line, text.
    no_auth: Mutex<Vec<(Vec<String>, u64, String)>>,
    /// Java methods with security-relevant annotations, per file.
    java: Mutex<Vec<usage::JavaFile>>,
    /// Scripts that may reach external hosts, parsed at the end only when a Forge app owns
    /// them (chain, language, bytes), within [`EGRESS_BUDGET`] bytes in all.
    egress: Mutex<(u64, Vec<Script>)>,
    /// Findings made during the walk (Velocity opt-outs).
    extra: Mutex<Vec<Finding>>,
    /// Spring Security `ignoring()` patterns, per Java file.
    ignored: Mutex<Vec<(Vec<String>, Vec<vendorsec_code::IgnoredPath>)>>,
    /// Crypto, TLS and injection smells of Java sources.
    smells: Mutex<Vec<(Vec<String>, Vec<vendorsec_code::Smell>)>>,
    /// Files that set up an encrypting tenant store (ACE store adapter, JPA converter of
    /// the shared secret).
    secret_stores: Mutex<Vec<Vec<String>>>,
    /// Values rendered unescaped that may carry request data, per Java file or class.
    html_sinks: Mutex<Vec<(Vec<String>, Vec<vendorsec_code::HtmlSink>)>>,
    /// `…Html` references of Velocity templates: file, name, line.
    velocity_refs: Mutex<Vec<(Vec<String>, String, u64)>>,
    /// Connect descriptors built in code: file, line, values not known.
    code_descriptors: Mutex<Vec<CodeDescriptorAt>>,
}

/// A descriptor built in code: file, line, values not known.
type CodeDescriptorAt = (Vec<String>, u64, Vec<String>);

/// The extractors of one JVM language: REST calls, annotated methods, smells.
type JvmExtractors = (
    fn(&[u8]) -> Vec<vendorsec_code::RestCall>,
    fn(&[u8]) -> Vec<vendorsec_code::JavaMethod>,
    fn(&[u8]) -> Vec<vendorsec_code::Smell>,
);

/// A script kept for the egress check: chain, language, bytes.
type Script = (Vec<String>, vendorsec_code::Lang, Vec<u8>);

/// Bytes of scripts kept for the egress check.
const EGRESS_BUDGET: u64 = 64 << 20;

/// Annotations whose methods the Java checks read.
const JAVA_ANNOTATIONS: [&str; 8] = [
    "AdminOnly",
    "SystemAdminOnly",
    "AnonymousAllowed",
    "UnrestrictedAccess",
    "AnonymousSiteAccess",
    "XsrfProtectionExcluded",
    "IgnoreJwt",
    "ContextJwt",
];

/// Whether a blob is a Velocity template.
#[must_use]
pub fn wants_velocity(chain: &[String]) -> bool {
    chain.last().is_some_and(|l| l.ends_with(".vm"))
}

/// Whether a blob is Java or Kotlin source (outside build output).
#[must_use]
pub fn wants_java(chain: &[String]) -> bool {
    let Some(last) = chain.last() else {
        return false;
    };
    (last.ends_with(".java") || last.ends_with(".kt"))
        && !last
            .split('/')
            .any(|c| c == "node_modules" || c == "target" || c == "build")
}

/// Whether the bytes contain any of the needles (the cheap test before parsing).
fn contains_any(bytes: &[u8], needles: &[&str]) -> bool {
    needles
        .iter()
        .any(|n| memchr::memmem::find(bytes, n.as_bytes()).is_some())
}

/// Append to a list shared by the walk's threads (a poisoned lock still holds the data).
fn push<T>(m: &Mutex<Vec<T>>, v: T) {
    m.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(v);
}

/// The value of a mutex once the walk is over.
fn take<T>(m: Mutex<T>) -> T {
    m.into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether a blob is a configuration or script file where `AC_OPTS` may be set.
#[must_use]
pub fn wants_config(chain: &[String]) -> bool {
    let Some(last) = chain.last() else {
        return false;
    };
    if last.split('/').any(|c| c == "node_modules") {
        return false;
    }
    let leaf = last.rsplit('/').next().unwrap_or(last);
    leaf.starts_with(".env")
        || matches!(
            leaf,
            "package.json" | "Procfile" | "Dockerfile" | "app.json" | "config.json"
        )
        || leaf.starts_with("docker-compose")
        || leaf.ends_with(".sh")
}

/// Whether a blob is source code whose product REST calls are read (JavaScript and
/// TypeScript outside node_modules).
#[must_use]
pub fn wants_code(chain: &[String]) -> bool {
    let Some(last) = chain.last() else {
        return false;
    };
    !last.split('/').any(|c| c == "node_modules")
        && vendorsec_code::Lang::of(last.rsplit('/').next().unwrap_or(last)).is_some()
}

/// Cheap test before parsing: the file names a product API client (or a site URL). A bare
/// `/rest/` is not enough: every web app has one, and parsing every script of a large tree
/// made a 220 MB scan 15 times slower.
fn mentions_product_api(source: &[u8]) -> bool {
    const MARKERS: [&str; 15] = [
        "requestJira",
        "requestConfluence",
        "requestBitbucket",
        "AP.request",
        "httpClient",
        "atlassian.net",
        // Express routes (atlassian-connect-express apps).
        "app.get(",
        "app.post(",
        "app.put(",
        "app.delete(",
        "app.patch(",
        "app.all(",
        "router.",
        "authenticate(",
        "checkValidToken",
    ];
    contains_any(source, &MARKERS)
}

/// A script that may reach an external host.
fn is_egress_candidate(source: &[u8]) -> bool {
    contains_any(source, &["fetch(", "axios", "src="]) && contains_any(source, &["http"])
}

/// Largest descriptor read (real ones are kilobytes).
pub const MAX_DESCRIPTOR_BYTES: u64 = 16 << 20;

impl Collector {
    pub fn file(&self, chain: &[String], kind: DescriptorKind, bytes: &[u8]) {
        push(&self.files, (chain.to_vec(), kind, bytes.to_vec()));
    }

    /// A source file: its product REST calls are extracted now (in the walk's thread).
    pub fn code(&self, chain: &[String], source: &[u8]) {
        let Some(last) = chain.last() else { return };
        let Some(lang) = vendorsec_code::Lang::of(last.rsplit('/').next().unwrap_or(last)) else {
            return;
        };
        if contains_any(source, &["registerAdapter", ".store.register("]) {
            push(&self.secret_stores, chain.to_vec());
        }
        // Kept for the Forge checks made at the end: egress (scripts that fetch or show
        // URLs) and web-trigger handlers (scripts that export functions).
        // Forge resolves `handler: index.run` under src/, so only scripts there can be
        // handlers, and a web-trigger handler answers with a statusCode or reads the
        // request's query parameters. (Keeping every exporting script filled the budget on
        // a large tree for nothing.)
        let trigger_candidate = last.split('/').any(|c| c == "src")
            && contains_any(source, &["export"])
            && contains_any(source, &["statusCode", "queryParameters"]);
        if is_egress_candidate(source) || trigger_candidate {
            let mut e = self
                .egress
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if e.0 + source.len() as u64 <= EGRESS_BUDGET {
                e.0 += source.len() as u64;
                e.1.push((chain.to_vec(), lang, source.to_vec()));
            }
        }
        if contains_any(source, &["baseUrl"])
            && contains_any(source, &["modules", "lifecycle", "authentication"])
            && let Some(d) = vendorsec_code::connect_descriptor(source, lang)
        {
            push(
                &self.files,
                (chain.to_vec(), DescriptorKind::Connect, d.json.into_bytes()),
            );
            push(&self.code_descriptors, (chain.to_vec(), d.line, d.unknown));
        }
        if contains_any(source, &["Schema(", ".define(", "storage.set(", "kvs.set("]) {
            let found = vendorsec_code::js_credential_storage(source, lang);
            if !found.is_empty() {
                push(&self.smells, (chain.to_vec(), found));
            }
        }
        if !mentions_product_api(source) {
            return;
        }
        let facts = vendorsec_code::file_facts(source, lang);
        if !facts.calls.is_empty() || !facts.routes.is_empty() {
            push(&self.code, (chain.to_vec(), facts));
        }
    }

    /// A Java or Kotlin source file: methods whose annotations the checks read, product
    /// REST calls, ignored security paths, smells, secret converters.
    pub fn java(&self, chain: &[String], source: &[u8]) {
        let kotlin = chain.last().is_some_and(|l| l.ends_with(".kt"));
        let (rest_calls, methods, smells): JvmExtractors = if kotlin {
            (
                vendorsec_code::kotlin_rest_calls,
                vendorsec_code::kotlin_methods,
                vendorsec_code::kotlin_smells,
            )
        } else {
            (
                vendorsec_code::java_rest_calls,
                vendorsec_code::java_methods,
                vendorsec_code::java_smells,
            )
        };
        const SMELL_MARKERS: [&str; 8] = [
            "MessageDigest",
            "Cipher",
            "SSLContext",
            "checkServerTrusted",
            "HostnameVerifier",
            "ObjectInputStream",
            "getRuntime",
            "ProcessBuilder",
        ];
        if contains_any(
            source,
            &[
                "authenticatedAs",
                "AtlassianHostRestClients",
                "WebClient",
                "webClient",
            ],
        ) {
            let calls = rest_calls(source);
            if !calls.is_empty() {
                push(
                    &self.code,
                    (
                        chain.to_vec(),
                        vendorsec_code::FileFacts {
                            calls,
                            ..vendorsec_code::FileFacts::default()
                        },
                    ),
                );
            }
        }
        if !kotlin && contains_any(source, &["ignoring()"]) {
            let paths = vendorsec_code::ignored_paths(source);
            if !paths.is_empty() {
                push(&self.ignored, (chain.to_vec(), paths));
            }
        }
        if contains_any(source, &SMELL_MARKERS) {
            let smells = smells(source);
            if !smells.is_empty() {
                push(&self.smells, (chain.to_vec(), smells));
            }
        }
        if contains_any(source, &["AttributeConverter"])
            && contains_any(source, &["sharedSecret", "SharedSecret", "AtlassianHost"])
        {
            push(&self.secret_stores, chain.to_vec());
        }
        if !kotlin && contains_any(source, &["Html\"", "HtmlSafe", "Html("]) {
            let sinks = vendorsec_code::html_sinks(source);
            if !sinks.is_empty() {
                push(&self.html_sinks, (chain.to_vec(), sinks));
            }
        }
        if contains_any(source, &["@Entity", "@Document", "@Table"]) {
            let found = if kotlin {
                vendorsec_code::kotlin_credential_fields(source)
            } else {
                vendorsec_code::java_credential_fields(source)
            };
            if !found.is_empty() {
                push(&self.smells, (chain.to_vec(), found));
            }
        }
        if !contains_any(source, &JAVA_ANNOTATIONS) {
            return;
        }
        let methods: Vec<vendorsec_code::JavaMethod> = methods(source)
            .into_iter()
            .filter(|m| JAVA_ANNOTATIONS.iter().any(|a| m.has(a)))
            .collect();
        if !methods.is_empty() {
            push(&self.java, (chain.to_vec(), methods));
        }
    }

    /// A compiled class (in a JAR): its annotations, read from the bytecode, give the same
    /// checks as the Java source.
    pub fn class_file(&self, chain: &[String], bytes: &[u8]) {
        const SMELL_REFS: [&str; 8] = [
            "java/security/MessageDigest",
            "javax/crypto/Cipher",
            "javax/net/ssl/SSLContext",
            "X509TrustManager",
            "HostnameVerifier",
            "java/io/ObjectInputStream",
            "java/lang/Runtime",
            "java/lang/ProcessBuilder",
        ];
        let annotated = contains_any(bytes, &JAVA_ANNOTATIONS);
        let smelly = contains_any(bytes, &SMELL_REFS);
        let calls_rest = contains_any(bytes, &["RestTemplate", "RestOperations", "WebClient"]);
        let html = contains_any(bytes, &["Html"]);
        if !annotated && !smelly && !calls_rest && !html {
            return;
        }
        let Some(info) = classfile::read(bytes) else {
            return;
        };
        if html {
            let sinks = info.html_sinks();
            if !sinks.is_empty() {
                push(&self.html_sinks, (chain.to_vec(), sinks));
            }
        }
        if calls_rest {
            let calls = info.rest_calls();
            if !calls.is_empty() {
                push(
                    &self.code,
                    (
                        chain.to_vec(),
                        vendorsec_code::FileFacts {
                            calls,
                            ..vendorsec_code::FileFacts::default()
                        },
                    ),
                );
            }
        }
        if smelly {
            let smells = classfile::smells(&info);
            if !smells.is_empty() {
                push(&self.smells, (chain.to_vec(), smells));
            }
        }
        if !annotated {
            return;
        }
        let class = info
            .name
            .rsplit('/')
            .next()
            .unwrap_or(&info.name)
            .replace('$', ".");
        let conv = |a: &[classfile::ClassAnnotation]| -> Vec<vendorsec_code::Annotation> {
            a.iter()
                .map(|x| vendorsec_code::Annotation {
                    name: x.name.clone(),
                    args: x.args.clone(),
                })
                .collect()
        };
        let class_annotations = conv(&info.annotations);
        let methods: Vec<vendorsec_code::JavaMethod> = info
            .methods
            .iter()
            .map(|m| vendorsec_code::JavaMethod {
                class: class.clone(),
                method: m.name.clone(),
                annotations: conv(&m.annotations),
                class_annotations: class_annotations.clone(),
                line: 0,
                column: 0,
            })
            .filter(|m| JAVA_ANNOTATIONS.iter().any(|a| m.has(a)))
            .collect();
        if !methods.is_empty() {
            push(&self.java, (chain.to_vec(), methods));
        }
    }

    /// A Velocity template: escaping opt-outs (DC-XSS-01).
    pub fn velocity(&self, chain: &[String], text: &[u8]) {
        let t = String::from_utf8_lossy(text);
        let (refs, direct) = vendorsec_code::velocity_html_refs(&t);
        for (name, line) in refs {
            push(&self.velocity_refs, (chain.to_vec(), name, line));
        }
        for (name, line) in direct {
            let sink = vendorsec_code::HtmlSink {
                class: String::new(),
                name: name.clone(),
                how: "template",
                evidence: t
                    .lines()
                    .nth(usize::try_from(line).unwrap_or(1).saturating_sub(1))
                    .unwrap_or("")
                    .trim()
                    .chars()
                    .take(160)
                    .collect(),
                line,
                column: 1,
            };
            push(&self.html_sinks, (chain.to_vec(), vec![sink]));
        }
        for (i, line) in t.lines().enumerate() {
            let l = line.trim();
            if l.contains("#disable_html_escaping()")
                || l.contains("#disable_anti_xss()")
                || (l.starts_with("##") && l.contains("@noautoescape"))
            {
                let f = usage::velocity_finding(chain, i as u64 + 1, l);
                push(&self.extra, f);
                break;
            }
        }
    }

    /// A configuration or script file: `AC_OPTS=no-auth` turns atlassian-connect-express
    /// authentication off.
    pub fn config(&self, chain: &[String], text: &[u8]) {
        let t = String::from_utf8_lossy(text);
        for (i, line) in t.lines().enumerate() {
            if line.contains("AC_OPTS") && line.contains("no-auth") {
                push(
                    &self.no_auth,
                    (
                        chain.to_vec(),
                        i as u64 + 1,
                        line.trim().chars().take(160).collect(),
                    ),
                );
            }
        }
    }

    #[must_use]
    pub fn finish(self) -> Analysis {
        self.finish_with(&[])
    }

    /// Analyse with the dependency inventory at hand (for the framework checks).
    #[must_use]
    pub fn finish_with(self, deps: &[DependencyFact]) -> Analysis {
        let secret_stores = take(self.secret_stores);
        let code_descriptors = take(self.code_descriptors);
        let mut files = take(self.files);
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let built_in_code = |chain: &[String]| code_descriptors.iter().find(|d| d.0 == chain);
        let mut code = take(self.code);
        code.sort_by(|a, b| a.0.cmp(&b.0));
        // The directory of each Connect and Forge descriptor: code under it belongs to the
        // deepest such app.
        // A descriptor in a Maven/Gradle layout belongs to the project above
        // `src/main/resources/`, where its code is.
        let prefix = |chain: &[String]| -> String {
            let d = chain.join("!/");
            let dir = match d.rfind('/') {
                Some(i) => d[..=i].to_owned(),
                None => String::new(),
            };
            let dir = dir
                .strip_suffix("src/main/resources/")
                .map_or(dir.clone(), str::to_owned);
            // A descriptor built in code under src/ or lib/ describes the project above.
            if code_descriptors.iter().any(|d| d.0 == chain) {
                for sub in ["src/", "lib/", "routes/", "server/"] {
                    if let Some(up) = dir.strip_suffix(sub)
                        && (up.is_empty() || up.ends_with('/'))
                    {
                        return up.to_owned();
                    }
                }
            }
            dir
        };
        // A descriptor built in code in a project that also has a descriptor file is not a
        // second app.
        let file_roots: Vec<String> = files
            .iter()
            .filter(|f| built_in_code(&f.0).is_none())
            .map(|f| prefix(&f.0))
            .collect();
        files.retain(|f| {
            built_in_code(&f.0).is_none() || {
                let r = prefix(&f.0);
                !file_roots.iter().any(|fr| r.starts_with(fr.as_str()))
            }
        });
        let roots: Vec<String> = files.iter().map(|f| prefix(&f.0)).collect();
        let mut java = take(self.java);
        java.sort_by(|a, b| a.0.cmp(&b.0));
        let mut ignored = take(self.ignored);
        ignored.sort_by(|a, b| a.0.cmp(&b.0));
        let (_, mut egress) = take(self.egress);
        egress.sort_by(|a, b| a.0.cmp(&b.0));
        let owner = |file: &[String]| -> Option<String> {
            let d = file.join("!/");
            roots
                .iter()
                .filter(|r| d.starts_with(r.as_str()))
                .max_by_key(|r| r.len())
                .cloned()
        };
        let mut out = Analysis::default();
        let no_auth = take(self.no_auth);
        for (chain, line, text) in no_auth {
            out.findings
                .push(usage::no_auth_finding(&chain, line, &text));
        }
        out.findings.extend(take(self.extra));
        out.findings.extend(usage::html_sink_findings(
            &take(self.html_sinks),
            &take(self.velocity_refs),
        ));
        let mut smells = take(self.smells);
        smells.sort_by(|a, b| a.0.cmp(&b.0));
        for (chain, list) in &smells {
            out.findings.extend(usage::smell_findings(chain, list));
        }
        for (chain, kind, bytes) in files {
            let path = chain.join("!/");
            let result = match kind {
                DescriptorKind::Connect => connect::analyse(&chain, &bytes),
                DescriptorKind::Forge => forge::analyse(&chain, &bytes),
                DescriptorKind::P2 => p2::analyse(&chain, &bytes),
            };
            match result {
                Ok(Some((mut profile, findings))) => {
                    if let Some((_, line, unknown)) = built_in_code(&chain) {
                        profile.notes.push(if unknown.is_empty() {
                            format!("descriptor built in code at {path}:{line}; every value is stated in the code")
                        } else {
                            format!(
                                "descriptor built in code at {path}:{line}; values computed at run time are not known and not checked: {}",
                                unknown.join(", ")
                            )
                        });
                    }
                    {
                        let root = prefix(&chain);
                        let mine: Vec<&usage::JavaFile> = java
                            .iter()
                            .filter(|(c, _)| owner(c).as_deref() == Some(root.as_str()))
                            .collect();
                        out.findings
                            .extend(usage::java_checks(&mut profile, &chain, &mine));
                    }
                    if kind != DescriptorKind::P2 {
                        let root = prefix(&chain);
                        let mine: Vec<&usage::FileCalls> = code
                            .iter()
                            .filter(|(c, _)| owner(c).as_deref() == Some(root.as_str()))
                            .collect();
                        let has_modules = profile
                            .endpoints
                            .iter()
                            .any(|e| !e.kind.starts_with("lifecycle"));
                        out.findings.extend(usage::check(
                            &mut profile,
                            &chain,
                            &bytes,
                            &mine,
                            has_modules,
                        ));
                        if kind == DescriptorKind::Forge {
                            let scripts: Vec<&Script> = egress
                                .iter()
                                .filter(|(c, _, _)| owner(c).as_deref() == Some(root.as_str()))
                                .collect();
                            out.findings.extend(usage::webtriggers(
                                &mut profile,
                                &chain,
                                &forge::triggers(&bytes),
                                &root,
                                &scripts,
                            ));
                            let urls: Vec<(Vec<String>, Vec<vendorsec_code::ExternalUrl>)> =
                                scripts
                                    .into_iter()
                                    .filter(|(_, _, src)| is_egress_candidate(src))
                                    .map(|(c, lang, src)| {
                                        (c.clone(), vendorsec_code::external_urls(src, *lang))
                                    })
                                    .collect();
                            out.findings
                                .extend(usage::egress(&mut profile, &chain, &urls));
                        }
                    }
                    if kind == DescriptorKind::Connect {
                        let root = prefix(&chain);
                        let mine: Vec<&(Vec<String>, Vec<vendorsec_code::IgnoredPath>)> = ignored
                            .iter()
                            .filter(|(c, _)| owner(c).as_deref() == Some(root.as_str()))
                            .collect();
                        out.findings
                            .extend(usage::ignored_paths(&mut profile, &chain, &mine));
                        let under = |p: &[String]| p.join("!/").starts_with(root.as_str());
                        let framework = deps.iter().find(|d| {
                            under(&d.path)
                                && ((d.ecosystem == "npm" && d.name == "atlassian-connect-express")
                                    || (d.ecosystem == "Maven"
                                        && d.name.starts_with(
                                            "com.atlassian.connect:atlassian-connect-spring-boot",
                                        )))
                        });
                        let encrypted = secret_stores.iter().any(|c| under(c));
                        if let Some(fw) = framework
                            && !encrypted
                        {
                            out.findings
                                .push(usage::plaintext_secret(&profile, &chain, fw));
                        }
                    }
                    out.profiles.push(profile);
                    out.findings.extend(findings);
                }
                // Not this kind of descriptor after all (another tool's manifest.yml).
                Ok(None) => {}
                Err(reason) => out.problems.push(Problem { path, reason }),
            }
        }
        // The same check on the same code from source and from bytecode (or the same
        // descriptor in a tree and in its JAR) is one finding with every location.
        let mut merged: Vec<Finding> = Vec::new();
        for f in out.findings.drain(..) {
            match merged.iter_mut().find(|g| g.fingerprint == f.fingerprint) {
                Some(g) => {
                    for l in f.locations {
                        if !g.locations.contains(&l) {
                            g.locations.push(l);
                        }
                    }
                }
                None => merged.push(f),
            }
        }
        out.findings = merged;
        out
    }
}

/// Analyse one descriptor given as bytes: the fuzz targets' and property tests' entry.
pub fn fuzz_one(kind: u8, data: &[u8]) {
    let (k, name) = match kind % 3 {
        0 => (DescriptorKind::Connect, "atlassian-connect.json"),
        1 => (DescriptorKind::Forge, "manifest.yml"),
        _ => (DescriptorKind::P2, "atlassian-plugin.xml"),
    };
    let c = Collector::default();
    c.file(&[name.to_owned()], k, data);
    let _ = c.finish();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_kinds_by_name() {
        let k = |c: &[&str]| kind_of(&c.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(
            k(&["app/atlassian-connect.json"]),
            Some(DescriptorKind::Connect)
        );
        assert_eq!(
            k(&["app/atlassian-connect.prod.json"]),
            Some(DescriptorKind::Connect)
        );
        assert_eq!(k(&["forge/manifest.yml"]), Some(DescriptorKind::Forge));
        assert_eq!(
            k(&["p.obr", "META-INF/lib/x.jar", "atlassian-plugin.xml"]),
            Some(DescriptorKind::P2)
        );
        assert_eq!(k(&["app/node_modules/x/atlassian-connect.json"]), None);
        assert_eq!(k(&["app/package.json"]), None);
    }

    proptest::proptest! {
        #[test]
        fn descriptors_never_panic(kind in 0u8..3, data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            fuzz_one(kind, &data);
        }

        #[test]
        fn descriptor_text_never_panics(kind in 0u8..3, data in "\\PC{0,400}") {
            fuzz_one(kind, data.as_bytes());
        }
    }
}
