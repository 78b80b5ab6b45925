//! Command-line definition.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Check Atlassian Marketplace apps against Atlassian's security guidelines for app vendors.
///
/// vendorsec scans source trees, built apps (JAR, OBR, WAR, zip, tar) and git history for
/// hard-coded credentials and vulnerable dependencies, and reports each finding against the
/// guideline item it breaks.
#[derive(Debug, Parser)]
#[command(
    name = "vendorsec",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Exit codes: 0 no finding at or above --fail-on; 1 findings; 2 usage or input error.\n\nExamples:\n  vendorsec scan .\n  vendorsec scan target/my-app-1.4.0.obr --format sarif --output vendorsec.sarif\n  vendorsec scan --git-history . --format json\n  vendorsec db import ./osv-advisories && vendorsec scan app.jar\n  vendorsec sbom . --format spdx --output sbom.spdx.json\n  vendorsec checklist"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Scan paths, archives, stdin or git history for credentials.
    Scan(ScanArgs),
    /// Print every guideline item: section, how far it can be automated, the rules that
    /// automate it, and its SOC 2 / ISO 27001 references.
    Checklist(ChecklistArgs),
    /// List the rules or verify every rule's examples.
    Rules(RulesArgs),
    /// Write a software bill of materials (CycloneDX 1.6 or SPDX 2.3 JSON) of the
    /// components found in paths and archives.
    Sbom(SbomArgs),
    /// Manage the local OSV advisory database used to match dependencies.
    Db(DbArgs),
    /// Profile an app: type, key, scopes and what they allow, endpoints and their
    /// authentication, outbound hosts, bundled libraries, findings.
    Inspect(InspectArgs),
    /// Compare two versions of an app (two JARs, trees or descriptors): scopes, endpoints,
    /// hosts, dependencies, findings introduced and fixed. Exits 1 when a finding at or
    /// above --fail-on is introduced.
    Diff(DiffArgs),
    /// Probe a running Connect app from outside: TLS versions, suites and certificate,
    /// HSTS and plain HTTP, browser headers, JWT authentication of every module and
    /// lifecycle URL. Talks only to the hosts of the descriptor.
    Probe(ProbeArgs),
    /// Sigma detection over audit logs (CloudTrail, GitHub, Okta, GCP, Bitbucket, Atlassian
    /// organisation audit, plain JSON lines).
    Logs(LogsArgs),
}

#[derive(Debug, Args)]
pub(crate) struct LogsArgs {
    #[command(subcommand)]
    pub(crate) command: LogsCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum LogsCommand {
    /// Load Sigma rules and print, for every file, whether it loaded or the precise reason
    /// it did not (file:line). Exits 1 when a file did not load.
    CheckRules {
        /// Rule files or directories (searched recursively for .yml/.yaml) [default: the
        /// built-in guideline pack].
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Values for `|expand` placeholders (YAML: name → list of values).
        #[arg(long, value_name = "FILE")]
        placeholders: Option<PathBuf>,
        /// The Atlassian organisation's activities (see `hunt`): each rule that names
        /// activities lists those it resolves to.
        #[arg(long, value_name = "FILE")]
        atlassian_event_actions: Option<PathBuf>,
    },
    /// Run Sigma rules over log files (JSON lines, JSON arrays, CloudTrail Records files,
    /// gzip; `-` for standard input): every match is a finding at the log file and line.
    Hunt(HuntArgs),
    /// Look for what should never be in logs: the secret rules of `scan`, payment card
    /// numbers, passwords in URLs, Authorization headers, e-mail addresses in bulk.
    Secrets(LogSecretsArgs),
    /// Follow log files (across rotation) or standard input and send an alert for every
    /// match: to stdout (JSON lines), a file, or a Slack-compatible webhook (with retry),
    /// de-duplicated and throttled per rule; `--checkpoint` makes a restart neither lose nor
    /// repeat events.
    Watch(WatchArgs),
}

/// What `logs hunt` and `logs watch` share: the rules, how they read the logs, and
/// first-seen logins.
#[derive(Debug, Args)]
pub(crate) struct RuleArgs {
    /// Sigma rule files or directories (repeatable) [default: the built-in guideline pack].
    #[arg(long = "rules", value_name = "PATH")]
    pub(crate) rules: Vec<PathBuf>,
    /// Add the built-in guideline pack to --rules.
    #[arg(long)]
    pub(crate) with_pack: bool,
    /// Field mappings (YAML): per log source, Sigma field → field (or list of fields) in
    /// these logs, over the built-in mappings.
    #[arg(long, value_name = "FILE")]
    pub(crate) mapping: Option<PathBuf>,
    /// Values for `|expand` placeholders (YAML: name → list of values); without it a rule
    /// using a placeholder does not load, as the Sigma specification requires.
    #[arg(long, value_name = "FILE")]
    pub(crate) placeholders: Option<PathBuf>,
    /// The Atlassian organisation's activities (the saved response of `GET
    /// https://api.atlassian.com/admin/v1/orgs/{orgId}/event-actions`, or a YAML map of key →
    /// display name): rules that name activities by display name (`activity`) then match the
    /// audit log's keys (`attributes.action`).
    #[arg(long, value_name = "FILE")]
    pub(crate) atlassian_event_actions: Option<PathBuf>,
    /// The field (dotted path) holding each event's time, for correlation windows [default:
    /// the source's own: CloudTrail `eventTime`, GitHub `@timestamp`/`created_at`, Okta
    /// `published`, Atlassian `attributes.time`; else the first of `timestamp`, `@timestamp`,
    /// `eventTime`, `time`].
    #[arg(long, value_name = "FIELD")]
    pub(crate) time_field: Option<String>,
    /// Take each record's event from this field (dotted path), for logs wrapped by a
    /// shipper or a test harness (`event`, `_source`, `result`).
    #[arg(long, value_name = "FIELD")]
    pub(crate) event_path: Option<String>,
    /// Report logins from a country, network or user-agent family never seen for the user,
    /// keeping what was seen in this state file (created if missing).
    #[arg(long, value_name = "FILE")]
    pub(crate) first_seen: Option<PathBuf>,
    /// A MaxMind DB (.mmdb, e.g. GeoLite2 Country or ASN) for --first-seen's countries and
    /// networks.
    #[arg(long, value_name = "FILE", requires = "first_seen")]
    pub(crate) geoip: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// Log files to follow, or directories whose files (new ones too) are followed (`-`
    /// reads standard input until it closes). Gzipped logs and JSON documents are read whole
    /// when they appear or change.
    #[arg(value_name = "LOG", required = true)]
    pub(crate) logs: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) sel: RuleArgs,
    /// Where alerts go: `stdout`, `file:PATH` (JSON lines appended) or `webhook:URL`
    /// (Slack-compatible JSON POST); repeatable [default: stdout].
    #[arg(long = "alert", value_name = "SINK")]
    pub(crate) alerts: Vec<String>,
    /// Remember the position in every file here, so that a restart neither loses nor
    /// repeats events.
    #[arg(long, value_name = "FILE")]
    pub(crate) checkpoint: Option<PathBuf>,
    /// Milliseconds between looks at the files.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    pub(crate) poll_ms: u64,
    /// Read what is there once, then exit (for cron jobs and tests).
    #[arg(long)]
    pub(crate) once: bool,
    /// Most alerts per rule per minute; the rest are counted and reported.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub(crate) throttle: usize,
}

#[derive(Debug, Args)]
pub(crate) struct LogSecretsArgs {
    /// Log files or directories of them (gzip is read; `-` is standard input).
    #[arg(value_name = "LOG", required = true)]
    pub(crate) logs: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Terminal)]
    pub(crate) format: OutputFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains [default: low].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub(crate) fail_on: Option<SeverityArg>,
}

#[derive(Debug, Args)]
pub(crate) struct HuntArgs {
    #[command(flatten)]
    pub(crate) sel: RuleArgs,
    /// Log files, or directories read as the files below them in the order of their names
    /// (`-` is standard input).
    #[arg(value_name = "LOG", required = true)]
    pub(crate) logs: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Terminal)]
    pub(crate) format: OutputFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Also write every matched event, with its rule, as JSON lines to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) matches: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains [default: low].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub(crate) fail_on: Option<SeverityArg>,
    /// Config file (suppressions with reasons) [default: ./vendorsec.toml if present].
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Safety: requests go only to hosts the descriptor names, at --rate per second, each with --timeout; tokens are never printed in full.\n--allow-lifecycle-tests sends forged install payloads to the installed/uninstalled URLs: on a vulnerable app that REGISTERS A FAKE TENANT. Use it only against an app you control (a staging or local instance).\n\nExamples:\n  vendorsec probe https://app.example.com/atlassian-connect.json\n  vendorsec probe https://localhost:8443 --descriptor atlassian-connect.json --ca-file dev-ca.pem --http-port 8080\n  VENDORSEC_SHARED_SECRET=… vendorsec probe https://staging.example.com/atlassian-connect.json --allow-lifecycle-tests --format sarif"
)]
pub(crate) struct ProbeArgs {
    /// The descriptor's URL (…/atlassian-connect.json), or the app's base URL with --descriptor.
    #[arg(value_name = "URL")]
    pub(crate) url: String,
    /// Read the descriptor from FILE; URL is then the base URL the app runs at (it replaces
    /// the descriptor's baseUrl, for a staging or local instance).
    #[arg(long, value_name = "FILE")]
    pub(crate) descriptor: Option<PathBuf>,
    /// Output format: terminal, json, sarif, markdown, or csrt-json (the report shape of
    /// Atlassian's Connect Security Requirements Tester).
    #[arg(short, long, value_enum, default_value_t = ProbeFormat::Terminal)]
    pub(crate) format: ProbeFormat,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains [default: low].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub(crate) fail_on: Option<SeverityArg>,
    /// Config file (suppressions with reasons) [default: ./vendorsec.toml if present].
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Seconds to wait for each connection, handshake and response.
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub(crate) timeout: u64,
    /// Requests per second, all workers together [default: 10; 1000 when every host of
    /// the descriptor is loopback: localhost, 127.0.0.0/8, ::1].
    #[arg(long, value_name = "N")]
    pub(crate) rate: Option<f64>,
    /// Parallel workers for the module URLs.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub(crate) concurrency: usize,
    /// Trust these PEM certificates instead of the system's roots.
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_file: Option<PathBuf>,
    /// Port of the plain-HTTP check [default: 80].
    #[arg(long, value_name = "PORT")]
    pub(crate) http_port: Option<u16>,
    /// Shared secret of a test installation you control: adds the qsh and context-token
    /// tests and checks the headers of the real pages.
    #[arg(
        long,
        value_name = "SECRET",
        env = "VENDORSEC_SHARED_SECRET",
        hide_env_values = true
    )]
    pub(crate) shared_secret: Option<String>,
    /// A non-admin user's context JWT (from AP.context.getToken on a test site): admin pages
    /// must refuse it.
    #[arg(
        long,
        value_name = "JWT",
        env = "VENDORSEC_USER_JWT",
        hide_env_values = true
    )]
    pub(crate) user_jwt: Option<String>,
    /// Send forged install payloads to the lifecycle URLs (registers a fake tenant on a
    /// vulnerable app: only against an app you control).
    #[arg(long)]
    pub(crate) allow_lifecycle_tests: bool,
    /// Skip the TLS handshake checks.
    #[arg(long)]
    pub(crate) skip_tls: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProbeFormat {
    Terminal,
    Json,
    Sarif,
    Markdown,
    /// The JSON report shape of Atlassian Labs' Connect Security Requirements Tester.
    CsrtJson,
}

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// The app: a directory, a descriptor, or a packaged app (JAR, OBR, zip).
    #[arg(value_name = "APP", required = true)]
    pub(crate) paths: Vec<PathBuf>,
    /// Output format (terminal, json or markdown).
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Terminal)]
    pub(crate) format: OutputFormat,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Also read files that ignore files skip.
    #[arg(long)]
    pub(crate) no_ignore: bool,
    /// Skip paths matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,
    /// Deepest archive nesting to open.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub(crate) max_depth: usize,
    /// Advisory database directory [default: $VENDORSEC_DB, else ~/.cache/vendorsec/db].
    #[arg(long, value_name = "DIR", env = "VENDORSEC_DB")]
    pub(crate) db: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The old version of the app.
    #[arg(value_name = "OLD")]
    pub(crate) old: PathBuf,
    /// The new version of the app.
    #[arg(value_name = "NEW")]
    pub(crate) new: PathBuf,
    /// Output format (terminal, json or markdown).
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Terminal)]
    pub(crate) format: OutputFormat,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity is introduced [default: low].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub(crate) fail_on: Option<SeverityArg>,
    /// Deepest archive nesting to open.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub(crate) max_depth: usize,
    /// Advisory database directory [default: $VENDORSEC_DB, else ~/.cache/vendorsec/db].
    #[arg(long, value_name = "DIR", env = "VENDORSEC_DB")]
    pub(crate) db: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Grouped by guideline item, then rule, with a summary line.
    Terminal,
    /// One JSON document (stable, versioned schema).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other viewers).
    Sarif,
    /// Markdown, for pull-request comments and wikis.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SeverityArg {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl From<SeverityArg> for vendorsec_core::Severity {
    fn from(s: SeverityArg) -> Self {
        match s {
            SeverityArg::Critical => vendorsec_core::Severity::Critical,
            SeverityArg::High => vendorsec_core::Severity::High,
            SeverityArg::Medium => vendorsec_core::Severity::Medium,
            SeverityArg::Low => vendorsec_core::Severity::Low,
            SeverityArg::Info => vendorsec_core::Severity::Info,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ConfidenceArg {
    High,
    Medium,
    Low,
}

#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// Directories, files, archives (zip, jar, war, ear, obr, whl, nupkg, tar, tar.gz, tgz),
    /// or `-` for standard input. With --git-history: git repositories.
    #[arg(default_value = ".", value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Terminal)]
    pub(crate) format: OutputFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// Scan every blob reachable from every ref of each repository, once, and report the
    /// commit that introduced each finding.
    #[arg(long)]
    pub(crate) git_history: bool,

    /// Also scan files that .gitignore, .ignore and git's exclude files skip.
    #[arg(long)]
    pub(crate) no_ignore: bool,

    /// Skip paths matching GLOB (relative to the scanned directory; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,

    /// Follow symbolic links (loops are detected and reported).
    #[arg(long)]
    pub(crate) follow_symlinks: bool,

    /// Configuration file [default: vendorsec.toml in the first scanned directory, if any].
    #[arg(short, long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Report only findings not in this baseline.
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,

    /// Write the findings of this scan as a baseline to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) write_baseline: Option<PathBuf>,

    /// Exit 1 when a finding at or above this severity remains [default: low, or the
    /// config's fail-on].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub(crate) fail_on: Option<SeverityArg>,

    /// Report only findings at or above this confidence.
    #[arg(long, value_enum, default_value_t = ConfidenceArg::Low, value_name = "CONFIDENCE")]
    pub(crate) min_confidence: ConfidenceArg,

    /// Deepest archive nesting to open (a jar in an OBR is 2).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub(crate) max_depth: usize,

    /// Most uncompressed bytes read from one archive, all nesting included (zip-bomb guard).
    #[arg(long, default_value_t = 4 << 30, value_name = "BYTES")]
    pub(crate) max_archive_bytes: u64,

    /// Worker threads [default: number of cores].
    #[arg(short = 'j', long, default_value_t = 0, value_name = "N")]
    pub(crate) threads: usize,

    /// When to use colours in the terminal report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,

    /// Never show the progress line (it shows only when stderr is a terminal).
    #[arg(long)]
    pub(crate) no_progress: bool,

    /// Advisory database directory [default: $VENDORSEC_DB, else ~/.cache/vendorsec/db].
    #[arg(long, value_name = "DIR", env = "VENDORSEC_DB")]
    pub(crate) db: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

#[derive(Debug, Args)]
pub(crate) struct SbomArgs {
    /// Directories, files or archives to inventory.
    #[arg(default_value = ".", value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,

    /// SBOM format.
    #[arg(short, long, value_enum, default_value_t = SbomFormat::Cyclonedx)]
    pub(crate) format: SbomFormat,

    /// Write the SBOM to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// Also read files that .gitignore, .ignore and git's exclude files skip.
    #[arg(long)]
    pub(crate) no_ignore: bool,

    /// Skip paths matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,

    /// Follow symbolic links.
    #[arg(long)]
    pub(crate) follow_symlinks: bool,

    /// Deepest archive nesting to open.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub(crate) max_depth: usize,

    /// Worker threads [default: number of cores].
    #[arg(short = 'j', long, default_value_t = 0, value_name = "N")]
    pub(crate) threads: usize,
}

#[derive(Debug, Args)]
pub(crate) struct DbArgs {
    #[command(subcommand)]
    pub(crate) command: DbCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// Download OSV's per-ecosystem exports (<base-url>/<Ecosystem>/all.zip) and replace
    /// each ecosystem's data with them.
    Update {
        /// Where the exports are [default: OSV's public bucket].
        #[arg(long, value_name = "URL", env = "VENDORSEC_OSV_URL", default_value = crate::cmd_db::DEFAULT_BASE_URL)]
        base_url: String,
        /// Only these ecosystems (npm, Maven, PyPI, crates.io, Go, RubyGems, NuGet,
        /// Packagist; repeatable) [default: all].
        #[arg(long = "ecosystem", value_name = "NAME")]
        ecosystems: Vec<String>,
        /// Database directory [default: $VENDORSEC_DB, else ~/.cache/vendorsec/db].
        #[arg(long, value_name = "DIR", env = "VENDORSEC_DB")]
        db: Option<PathBuf>,
    },
    /// Load OSV advisories (JSON or YAML) from a directory tree or a zip, merged by id.
    Import {
        /// A directory of OSV files, or a zip such as OSV's all.zip.
        #[arg(value_name = "DIR|ZIP")]
        path: PathBuf,
        /// Database directory [default: $VENDORSEC_DB, else ~/.cache/vendorsec/db].
        #[arg(long, value_name = "DIR", env = "VENDORSEC_DB")]
        db: Option<PathBuf>,
    },
    /// Show the ecosystems the database holds, their counts and age.
    Status {
        /// Database directory [default: $VENDORSEC_DB, else ~/.cache/vendorsec/db].
        #[arg(long, value_name = "DIR", env = "VENDORSEC_DB")]
        db: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ChecklistArgs {
    /// Output format (terminal, json or markdown).
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Terminal)]
    pub(crate) format: OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    #[command(subcommand)]
    pub(crate) command: RulesCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RulesCommand {
    /// List every rule: id, severity, confidence, guideline item, name.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Run every rule's positive and negative examples through the engine.
    Check,
}
