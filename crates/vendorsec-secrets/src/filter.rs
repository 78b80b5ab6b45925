//! Filters that keep generic rules precise: entropy, placeholders, documented example
//! values.

/// Shannon entropy in bits per character.
pub(crate) fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = f64::from(n);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Values published in vendor documentation as examples; never real.
const DOCUMENTED_EXAMPLES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "AKIAI44QH8DHBEXAMPLE",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "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",
];

/// True for values that are documentation examples or obviously not secrets.
pub(crate) fn is_documented_example(secret: &str) -> bool {
    DOCUMENTED_EXAMPLES.contains(&secret) || secret.contains("EXAMPLE")
}

/// Words that stand in for a secret in templates, docs and tests.
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "placeholder",
    "yourpassword",
    "your_password",
    "your-password",
    "yoursecret",
    "your_secret",
    "your-secret",
    "your_token",
    "your-token",
    "yourtoken",
    "your_api_key",
    "your-api-key",
    "yourapikey",
    "your_key",
    "your-key",
    "insert",
    "replace",
    "redacted",
    "example",
    "sample",
    "dummy",
    "notasecret",
    "not-a-secret",
    "not_a_secret",
    "fake",
    "secret123",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "hunter2",
    "todo",
    "fixme",
    "undefined",
    "foobar",
    "hidden",
    "not my real",
    "not real",
    "notreal",
];

const EXACT_PLACEHOLDERS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "null",
    "none",
    "nil",
    "true",
    "false",
    "empty",
    "string",
    "required",
    "optional",
    "default",
    "test",
    "testing",
    "admin",
    "root",
    "guest",
    "user",
    "username",
    "pass",
    "value",
    "key",
    "apikey",
    "api_key",
    "secretkey",
    "private",
    "public",
    "mypassword",
    "mysecret",
    "demo",
    "local",
    "development",
    "dev",
    "staging",
];

/// True when the value is a template variable, an environment lookup, a masked value or a
/// stand-in word rather than a credential.
pub(crate) fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return true;
    }
    // Template and variable references: ${VAR}, {{ var }}, %(var)s, $(cmd), <your-key>, $VAR,
    // @VAR@ (Maven filtering), #{...} (Spring/Ruby), [%key%].
    let b = v.as_bytes();
    if v.contains("${")
        || v.contains("{{")
        || v.contains("}}")
        || v.contains("%(")
        || v.contains("$(")
        || v.contains("#{")
        || (b[0] == b'<' && b[b.len() - 1] == b'>')
        || (b[0] == b'[' && b[b.len() - 1] == b']')
        || (b[0] == b'{' && b[b.len() - 1] == b'}')
        || (b[0] == b'@' && b[b.len() - 1] == b'@' && b.len() > 2)
        || (b[0] == b'%' && b[b.len() - 1] == b'%' && b.len() > 2)
        || (b[0] == b'$' && b.len() > 1 && (b[1].is_ascii_uppercase() || b[1] == b'_'))
    {
        return true;
    }
    // Masked or filler values: all one character, or only x / * / . / - / # / 0 / _.
    let first = v.chars().next().unwrap_or(' ');
    if v.chars().all(|c| c == first) {
        return true;
    }
    if v.chars()
        .all(|c| matches!(c, 'x' | 'X' | '*' | '.' | '-' | '#' | '0' | '_' | '•'))
    {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if lower.contains("xxxx") || lower.contains("****") || lower.contains("...") {
        return true;
    }
    if EXACT_PLACEHOLDERS.contains(&lower.as_str()) {
        return true;
    }
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    // Documentation loves base64 of a stand-in ("not my real password").
    base64_text(v).is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        EXACT_PLACEHOLDERS.contains(&t.as_str()) || PLACEHOLDER_WORDS.iter().any(|w| t.contains(w))
    })
}

/// The text a standard-base64 value decodes to, if it decodes to printable ASCII.
fn base64_text(v: &str) -> Option<String> {
    use base64::Engine as _;
    if v.len() < 8 || !v.len().is_multiple_of(4) {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(v).ok()?;
    bytes
        .iter()
        .all(|b| b.is_ascii_graphic() || *b == b' ')
        .then(|| String::from_utf8_lossy(&bytes).into_owned())
}

/// True for values that look like code rather than data: function calls, indexing, paths
/// (`crate::X`), reserved identifiers (`__x`), environment lookups such as
/// `os.environ["X"]` or `System.getenv("X")`.
pub(crate) fn looks_like_code(value: &str) -> bool {
    let v = value.trim();
    v.contains("getenv")
        || v.contains("environ")
        || v.contains("process.env")
        || v.contains("getProperty")
        || v.ends_with("()")
        || v.ends_with(");")
        || v.contains('(')
        || v.contains("::")
        || v.contains('[')
        || v.starts_with("__")
}

/// True for masked or filler values (`xxxx`, `****`, one repeated character), whatever the
/// rule: a real credential never looks like that.
pub(crate) fn is_masked(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if lower.contains("xxxxxxxx") || lower.contains("****") || lower.contains("••••") {
        return true;
    }
    // The part after a vendor prefix (ghp_, sk_live_, …) all one character.
    let tail = value.rsplit(['_', '-', '.']).next().unwrap_or(value);
    let mut chars = tail.chars();
    match chars.next() {
        Some(first) => tail.len() >= 8 && chars.all(|c| c == first),
        None => false,
    }
}

/// Source code, where string literals are quoted (judged by extension).
pub(crate) fn is_source_code(path: &str) -> bool {
    const EXT: &[&str] = &[
        "java", "kt", "kts", "scala", "groovy", "gradle", "js", "jsx", "mjs", "cjs", "ts", "tsx",
        "mts", "cts", "vue", "svelte", "py", "pyi", "rb", "go", "rs", "cs", "php", "swift", "c",
        "h", "cc", "cpp", "hpp", "m", "mm", "dart", "lua", "pl", "pm", "r", "jl", "ex", "exs",
        "erl", "clj", "fs", "vb",
    ];
    let leaf = path.rsplit(['/', '\\']).next().unwrap_or(path);
    leaf.rsplit_once('.')
        .is_some_and(|(_, ext)| EXT.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Paths of tests and fixtures: matches there keep lower confidence. Judged by whole path
/// components (`test/`, `fixtures/`, …) and test-file names (`FooTest.java`,
/// `foo_test.go`, `foo.spec.ts`, `test_foo.py`), never by substrings (`latest_…`).
pub(crate) fn is_test_path(path: &str) -> bool {
    const DIRS: &[&str] = &[
        "test",
        "tests",
        "spec",
        "specs",
        "fixtures",
        "fixture",
        "testdata",
        "test-data",
        "__tests__",
        "__mocks__",
        "mocks",
        "mock",
        "examples",
        "example",
        "samples",
        "sample",
    ];
    let mut parts = path
        .split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != "!")
        .peekable();
    while let Some(part) = parts.next() {
        let is_file = parts.peek().is_none();
        let lower = part.to_ascii_lowercase();
        if !is_file && DIRS.contains(&lower.as_str()) {
            return true;
        }
        if is_file {
            let stem = part.split('.').next().unwrap_or(part);
            let stem_lower = stem.to_ascii_lowercase();
            if stem_lower.starts_with("test_")
                || stem_lower.starts_with("test-")
                || stem_lower.ends_with("_test")
                || stem_lower.ends_with("-test")
                || stem.ends_with("Test")
                || stem.ends_with("Tests")
                || lower.contains(".test.")
                || lower.contains(".spec.")
            {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_orders_sensibly() {
        assert!(shannon_entropy("aaaaaaaa") < 0.01);
        assert!(shannon_entropy("abcdefgh") > 2.9);
        assert!(shannon_entropy("Zq8#kL2!vR9@xT4$") > 3.9);
    }

    #[test]
    fn placeholders() {
        for p in [
            "${DB_PASSWORD}",
            "{{ secret }}",
            "<your-key>",
            "changeme",
            "xxxxxxxx",
            "********",
            "$PASSWORD",
            "@db.password@",
            "your_api_key_here",
            "password",
            "%(pw)s",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for real in ["Tr0ub4dor&3", "q8Vz2LmX9wPk", "s3cr3t-Rotation-2024"] {
            assert!(!is_placeholder(real), "{real}");
        }
    }

    #[test]
    fn source_code_by_extension() {
        assert!(is_source_code("src/main/java/A.java"));
        assert!(is_source_code("app.jar!/web/x.ts"));
        assert!(!is_source_code("src/main/resources/app.properties"));
        assert!(!is_source_code("deploy/values.yaml"));
        assert!(!is_source_code(".env"));
    }

    #[test]
    fn test_paths() {
        for p in [
            "src/test/java/com/acme/Foo.java",
            "tests/data.env",
            "src/main/java/FooTest.java",
            "pkg/client_test.go",
            "web/app.spec.ts",
            "service/test_api.py",
            "app.jar!/fixtures/key.pem",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in [
            "src/main/resources/app.properties",
            "deploy/latest_config.yml",
            "src/contest/Winner.java",
            "attestation.json",
        ] {
            assert!(!is_test_path(p), "{p}");
        }
    }
}
