//! Credentials persisted as plain values (CS-SEC-01 beyond the frameworks' default stores;
//! the guideline: "Encrypt all API tokens stored at rest"): JPA / Spring Data entity fields
//! (Java and Kotlin) and Mongoose / Sequelize model fields named like a token or secret
//! with no encrypting converter, and Forge storage of such values with `set` instead of
//! `setSecret`. Names decide, so these are medium-confidence findings.

use tree_sitter::Node;

use crate::java::{Smell, parse_java};
use crate::kotlin::{first_named, parse_kotlin};
use crate::{Lang, nodes, parse, text};

/// Whether a field or key name says it holds a credential.
#[must_use]
pub fn credential_name(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    const STEMS: [&str; 10] = [
        "sharedsecret",
        "accesstoken",
        "refreshtoken",
        "clientsecret",
        "apitoken",
        "oauthtoken",
        "authtoken",
        "bearertoken",
        "privatekey",
        "apikey",
    ];
    const NOT: [&str; 9] = [
        "expir", "hash", "encrypt", "cipher", "type", "url", "scope", "length", "ttl",
    ];
    (STEMS.iter().any(|s| n.contains(s)) || n.ends_with("secret") || n.ends_with("token"))
        && !NOT.iter().any(|x| n.contains(x))
        && !n.ends_with("id")
}

/// Annotations that encrypt or transform a column.
const PROTECTED: [&str; 6] = [
    "Convert",
    "Encrypted",
    "ColumnTransformer",
    "Type",
    "Encrypt",
    "Convert(",
];

fn smell(n: Node<'_>, src: &[u8], what: String) -> Smell {
    Smell {
        evidence: what,
        ..Smell::at("plaintext-credential-storage", n, src, false)
    }
}

fn entity_annotated(t: &str) -> bool {
    t.contains("@Entity") || t.contains("@Document") || t.contains("@Table")
}

/// Credential-named fields of JPA / Spring Data entities in Java source.
#[must_use]
pub fn java_credential_fields(source: &[u8]) -> Vec<Smell> {
    let Some(tree) = parse_java(source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for n in nodes(tree.root_node()) {
        if n.kind() != "field_declaration" {
            continue;
        }
        let Some(class) = n.parent().and_then(|b| b.parent()) else {
            continue;
        };
        let mods = |x: Node<'_>| {
            let mut c = x.walk();
            x.children(&mut c)
                .find(|m| m.kind() == "modifiers")
                .map_or("", |m| text(m, source))
        };
        if !entity_annotated(mods(class)) {
            continue;
        }
        let field_mods = mods(n);
        if field_mods.contains("static")
            || PROTECTED
                .iter()
                .any(|p| field_mods.contains(&format!("@{p}")))
        {
            continue;
        }
        let ty = n
            .child_by_field_name("type")
            .map_or("", |t| text(t, source));
        if !matches!(ty, "String" | "char[]" | "byte[]") {
            continue;
        }
        let mut c = n.walk();
        for d in n.children_by_field_name("declarator", &mut c) {
            let name = d
                .child_by_field_name("name")
                .map_or("", |x| text(x, source));
            if credential_name(name) {
                let class_name = class
                    .child_by_field_name("name")
                    .map_or("", |x| text(x, source));
                out.push(smell(
                    d,
                    source,
                    format!("{class_name}.{name} ({ty}, entity field, no converter)"),
                ));
            }
        }
    }
    out.sort_by_key(|s| (s.line, s.column));
    out
}

/// Credential-named properties of JPA / Spring Data entities in Kotlin source.
#[must_use]
pub fn kotlin_credential_fields(source: &[u8]) -> Vec<Smell> {
    let Some(tree) = parse_kotlin(source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let first = first_named;
    for n in nodes(tree.root_node()) {
        if n.kind() != "class_declaration"
            || !entity_annotated(first(n, "modifiers").map_or("", |m| text(m, source)))
        {
            continue;
        }
        let class_name = n
            .child_by_field_name("name")
            .map_or("", |x| text(x, source));
        let mut props: Vec<(Node<'_>, Node<'_>)> = Vec::new();
        for p in nodes(n) {
            match p.kind() {
                "class_parameter" => {
                    if let Some(id) = first(p, "identifier") {
                        props.push((p, id));
                    }
                }
                "property_declaration" => {
                    if let Some(id) =
                        first(p, "variable_declaration").and_then(|v| first(v, "identifier"))
                    {
                        props.push((p, id));
                    }
                }
                _ => {}
            }
        }
        for (p, id) in props {
            let name = text(id, source);
            let mods = first(p, "modifiers").map_or("", |m| text(m, source));
            let t = text(p, source);
            if credential_name(name)
                && (t.contains(": String") || t.contains(": ByteArray"))
                && !PROTECTED.iter().any(|x| mods.contains(&format!("@{x}")))
            {
                out.push(smell(
                    id,
                    source,
                    format!("{class_name}.{name} (entity property, no converter)"),
                ));
            }
        }
    }
    out.sort_by_key(|s| (s.line, s.column));
    out
}

/// Mongoose / Sequelize model fields named like credentials, and Forge `storage.set` /
/// `kvs.set` of credential-named keys, in JavaScript or TypeScript.
#[must_use]
pub fn js_credential_storage(source: &[u8], lang: Lang) -> Vec<Smell> {
    let Some(tree) = parse(source, lang) else {
        return Vec::new();
    };
    let file_encrypts = {
        let lower = String::from_utf8_lossy(source).to_ascii_lowercase();
        lower.contains("encrypt") || lower.contains("cipher")
    };
    let mut out = Vec::new();
    for n in nodes(tree.root_node()) {
        if !matches!(n.kind(), "call_expression" | "new_expression") {
            continue;
        }
        let callee = n
            .child_by_field_name("function")
            .or_else(|| n.child_by_field_name("constructor"))
            .map_or("", |f| text(f, source));
        let Some(args) = n.child_by_field_name("arguments") else {
            continue;
        };
        let mut c = args.walk();
        let argv: Vec<Node<'_>> = args.named_children(&mut c).collect();
        let last = callee.rsplit('.').next().unwrap_or(callee);
        if matches!(last, "set") && (callee.ends_with("storage.set") || callee.ends_with("kvs.set"))
        {
            if let Some(k) = argv.first().filter(|k| k.kind() == "string")
                && credential_name(text(*k, source).trim_matches(['"', '\'']))
            {
                out.push(smell(
                    n,
                    source,
                    format!("{callee}({}, …): use setSecret", text(*k, source)),
                ));
            }
            continue;
        }
        let schema = last == "Schema" || (last == "define" && argv.len() >= 2);
        if !schema || file_encrypts {
            continue;
        }
        let fields = if last == "define" {
            argv.get(1)
        } else {
            argv.first()
        };
        let Some(obj) = fields.filter(|o| o.kind() == "object") else {
            continue;
        };
        let mut c = obj.walk();
        for p in obj.named_children(&mut c) {
            if p.kind() != "pair" {
                continue;
            }
            let (Some(k), Some(v)) = (p.child_by_field_name("key"), p.child_by_field_name("value"))
            else {
                continue;
            };
            let name = text(k, source).trim_matches(['"', '\'']);
            let vt = text(v, source);
            let stringy = vt.contains("String") || vt.contains("STRING") || vt.contains("TEXT");
            if credential_name(name) && stringy {
                out.push(smell(
                    p,
                    source,
                    format!(
                        "{callee} field {name}: {}",
                        vt.split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                            .chars()
                            .take(60)
                            .collect::<String>()
                    ),
                ));
            }
        }
    }
    out.sort_by_key(|s| (s.line, s.column));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_hold_credentials() {
        for yes in [
            "sharedSecret",
            "access_token",
            "refreshToken",
            "clientSecret",
            "apiKey",
            "secret",
            "token",
        ] {
            assert!(credential_name(yes), "{yes}");
        }
        for no in [
            "accessTokenExpiresAt",
            "tokenType",
            "sharedSecretHash",
            "encryptedAccessToken",
            "clientKey",
            "secretaryName",
            "tokenUrl",
        ] {
            assert!(!credential_name(no), "{no}");
        }
    }

    #[test]
    fn entity_fields_in_java_and_kotlin() {
        let java = br#"@Entity
public class Tenant {
    @Id private String clientKey;
    private String sharedSecret;
    @Convert(converter = Enc.class) private String accessToken;
    private String refreshToken;
    private static final String SECRET = "x";
}
class NotAnEntity { private String accessToken; }
"#;
        let got: Vec<String> = java_credential_fields(java)
            .iter()
            .map(|s| format!("l{} {}", s.line, s.evidence))
            .collect();
        assert_eq!(
            got,
            vec![
                "l4 Tenant.sharedSecret (String, entity field, no converter)",
                "l6 Tenant.refreshToken (String, entity field, no converter)",
            ]
        );
        let kt = br#"@Entity
class Tenant(
    @Id val clientKey: String,
    val sharedSecret: String,
    @Convert(converter = Enc::class) val accessToken: String,
) {
    var refreshToken: String? = null
}
"#;
        let got: Vec<String> = kotlin_credential_fields(kt)
            .iter()
            .map(|s| format!("l{} {}", s.line, s.evidence))
            .collect();
        assert_eq!(
            got,
            vec![
                "l4 Tenant.sharedSecret (entity property, no converter)",
                "l7 Tenant.refreshToken (entity property, no converter)",
            ]
        );
    }

    #[test]
    fn models_and_forge_storage_in_javascript() {
        let src = br#"const Install = new mongoose.Schema({ clientKey: String, sharedSecret: { type: String, required: true }, count: Number });
const Oauth = sequelize.define('oauth', { accessToken: DataTypes.TEXT, scope: DataTypes.STRING });
await storage.set('github-token', token);
await storage.set('settings', settings);
await storage.setSecret('api-key', key);
"#;
        let got: Vec<u64> = js_credential_storage(src, Lang::JavaScript)
            .iter()
            .map(|s| s.line)
            .collect();
        assert_eq!(got, vec![1, 2, 3]);
        let enc = b"const encrypt = require('mongoose-encryption');\nconst S = new Schema({ sharedSecret: String });\n";
        assert!(js_credential_storage(enc, Lang::JavaScript).is_empty());
    }
}
