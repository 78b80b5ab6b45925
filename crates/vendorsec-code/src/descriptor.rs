//! A Connect descriptor built in JavaScript or TypeScript code (an object literal with
//! `key`, `baseUrl` and `modules` / `lifecycle` / `authentication`, served from a route
//! instead of a static `atlassian-connect.json`), turned into descriptor JSON with what the
//! code states, and a list of what it computes at run time and so cannot be known.

use std::collections::HashMap;
use std::fmt::Write as _;

use tree_sitter::Node;

use crate::{Lang, constants, literal, nodes, parse, text};

/// A descriptor found in code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDescriptor {
    /// Descriptor JSON whose property names stand on the same lines as in the source
    /// (JSON allows any whitespace between tokens), so a finding's line points at the code.
    pub json: String,
    /// 1-based line of the object literal.
    pub line: u64,
    /// Dotted paths of values computed at run time (`baseUrl`, `modules.generalPages[0].url`,
    /// `...spread`): written as `${computed}` strings (or left out of arrays) in the JSON.
    pub unknown: Vec<String>,
}

const MAX_UNKNOWN: usize = 32;

fn key_name(k: Node<'_>, src: &[u8]) -> String {
    let t = text(k, src);
    t.trim_matches(['"', '\'', '`']).to_owned()
}

fn has_key(obj: Node<'_>, src: &[u8], name: &str) -> bool {
    let mut c = obj.walk();
    obj.named_children(&mut c).any(|p| {
        (p.kind() == "pair"
            && p.child_by_field_name("key")
                .is_some_and(|k| key_name(k, src) == name))
            || (p.kind() == "shorthand_property_identifier" && text(p, src) == name)
    })
}

struct Writer<'s> {
    src: &'s [u8],
    consts: HashMap<String, String>,
    out: String,
    line: usize,
    unknown: Vec<String>,
}

impl Writer<'_> {
    /// Pad with newlines until the output stands on the node's line.
    fn pad_to_line_of(&mut self, n: Node<'_>) {
        while self.line < n.start_position().row {
            self.out.push('\n');
            self.line += 1;
        }
    }

    fn unknown(&mut self, path: &str) {
        if self.unknown.len() < MAX_UNKNOWN {
            self.unknown
                .push(path.strip_prefix('.').unwrap_or(path).to_owned());
        }
    }

    fn string(&mut self, s: &str) {
        self.out
            .push_str(&serde_json::Value::String(s.to_owned()).to_string());
    }

    /// Write a value; `false` when it is unknown (the caller decides how to show that).
    fn value(&mut self, n: Node<'_>, path: &str, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        match n.kind() {
            "object" => {
                self.out.push('{');
                let mut first = true;
                let mut c = n.walk();
                let props: Vec<Node<'_>> = n.named_children(&mut c).collect();
                for p in props {
                    match p.kind() {
                        "pair" => {
                            let (Some(k), Some(v)) =
                                (p.child_by_field_name("key"), p.child_by_field_name("value"))
                            else {
                                continue;
                            };
                            if k.kind() == "computed_property_name" {
                                self.unknown(&format!("{path}.[{}]", text(k, self.src)));
                                continue;
                            }
                            let name = key_name(k, self.src);
                            if !first {
                                self.out.push(',');
                            }
                            first = false;
                            self.pad_to_line_of(k);
                            self.string(&name);
                            self.out.push(':');
                            let sub = format!("{path}.{name}");
                            let mark = self.out.len();
                            if !self.value(v, &sub, depth + 1) {
                                self.out.truncate(mark);
                                self.string("${computed}");
                                self.unknown(&sub);
                            }
                        }
                        "spread_element" => self.unknown(&format!("{path}.{}", text(p, self.src))),
                        "shorthand_property_identifier" => {
                            let name = text(p, self.src).to_owned();
                            if !first {
                                self.out.push(',');
                            }
                            first = false;
                            self.pad_to_line_of(p);
                            self.string(&name);
                            self.out.push(':');
                            match self.consts.get(&name).cloned() {
                                Some(v) => self.string(&v),
                                None => {
                                    self.string("${computed}");
                                    self.unknown(&format!("{path}.{name}"));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                self.out.push('}');
                true
            }
            "array" => {
                self.out.push('[');
                let mut first = true;
                let mut c = n.walk();
                let items: Vec<Node<'_>> = n.named_children(&mut c).collect();
                for (i, item) in items.into_iter().enumerate() {
                    if item.kind() == "comment" {
                        continue;
                    }
                    let sub = format!("{path}[{i}]");
                    let mark = self.out.len();
                    if !first {
                        self.out.push(',');
                    }
                    if self.value(item, &sub, depth + 1) {
                        first = false;
                    } else {
                        self.out.truncate(mark);
                        self.unknown(&sub);
                    }
                }
                self.out.push(']');
                true
            }
            "string" => match literal(n, self.src) {
                Some(s) => {
                    self.string(&s);
                    true
                }
                None => false,
            },
            // A template with substitutions keeps its `${…}` text: checks treat it as
            // filled in at run time.
            "template_string" => {
                let t = text(n, self.src);
                self.string(t.get(1..t.len().saturating_sub(1)).unwrap_or(""));
                true
            }
            "number" => match text(n, self.src).parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    let _ = write!(self.out, "{x}");
                    true
                }
                _ => false,
            },
            "true" | "false" | "null" => {
                self.out.push_str(n.kind());
                true
            }
            "identifier" => match self.consts.get(text(n, self.src)).cloned() {
                Some(v) => {
                    self.string(&v);
                    true
                }
                None => false,
            },
            "parenthesized_expression" | "as_expression" | "satisfies_expression" => n
                .named_child(0)
                .is_some_and(|c| self.value(c, path, depth + 1)),
            _ => false,
        }
    }
}

/// The Connect descriptor an object literal in this file builds, if there is one.
#[must_use]
pub fn connect_descriptor(source: &[u8], lang: Lang) -> Option<CodeDescriptor> {
    let tree = parse(source, lang)?;
    let root = tree.root_node();
    let obj = nodes(root).find(|n| {
        n.kind() == "object"
            && has_key(*n, source, "key")
            && has_key(*n, source, "baseUrl")
            && ["modules", "lifecycle", "authentication"]
                .iter()
                .any(|k| has_key(*n, source, k))
    })?;
    let mut w = Writer {
        src: source,
        consts: constants(root, source),
        out: String::new(),
        line: 0,
        unknown: Vec::new(),
    };
    w.pad_to_line_of(obj);
    w.value(obj, "", 0);
    Some(CodeDescriptor {
        json: w.out,
        line: obj.start_position().row as u64 + 1,
        unknown: w.unknown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_literal_becomes_json_on_the_same_lines() {
        let src = br#"const KEY = 'com.example.code';
module.exports = (app, addon) => {
  app.get('/atlassian-connect.json', (req, res) => {
    res.json({
      key: KEY,
      name: "Code app",
      baseUrl: process.env.BASE_URL,
      authentication: { type: 'jwt' },
      lifecycle: { installed: '/installed' },
      scopes: ['READ', 'ADMIN', extraScope()],
      apiMigrations: { 'signed-install': true },
      ...moreModules,
      modules: {
        generalPages: [{ key: 'p', url: `/p?x=${id}`, name: { value: 'P' }, weight: 10 }],
      },
    });
  });
};
"#;
        let d = connect_descriptor(src, Lang::JavaScript).unwrap();
        assert_eq!(d.line, 4);
        let v: serde_json::Value = serde_json::from_str(&d.json).unwrap();
        assert_eq!(v["key"], "com.example.code");
        assert_eq!(v["baseUrl"], "${computed}");
        assert_eq!(v["scopes"], serde_json::json!(["READ", "ADMIN"]));
        assert_eq!(v["modules"]["generalPages"][0]["url"], "/p?x=${id}");
        assert_eq!(v["modules"]["generalPages"][0]["weight"], 10.0);
        assert_eq!(d.unknown, vec!["baseUrl", "scopes[2]", "...moreModules"]);
        // Lines line up with the source.
        let line_of = |needle: &str| d.json.lines().position(|l| l.contains(needle)).unwrap() + 1;
        assert_eq!(line_of("\"scopes\""), 10);
        assert_eq!(line_of("\"apiMigrations\""), 11);
    }

    #[test]
    fn other_objects_are_not_descriptors() {
        assert!(
            connect_descriptor(b"const x = { key: 1, baseUrl: 'a' };", Lang::JavaScript).is_none()
        );
        assert!(connect_descriptor(b"const x = {", Lang::TypeScript).is_none());
    }
}

/// An exported function of a module, as a Forge manifest's `handler: index.run` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    /// 1-based line of the definition.
    pub line: u64,
    /// The function's text, followed by the text of every same-file function it names
    /// (one level), so that a check delegated to a helper is seen.
    pub text: String,
}

/// The function a module exports as `name`: `export function name`, `export const name =`,
/// `exports.name =` / `module.exports.name =`, `module.exports = { name }`, or an exported
/// name bound to a same-file function.
#[must_use]
pub fn exported_function(source: &[u8], lang: Lang, name: &str) -> Option<Handler> {
    let tree = parse(source, lang)?;
    let root = tree.root_node();
    // Every named function of the file: name -> node.
    let mut functions: HashMap<String, Node<'_>> = HashMap::new();
    for n in nodes(root) {
        match n.kind() {
            "function_declaration" | "generator_function_declaration" => {
                if let Some(id) = n.child_by_field_name("name") {
                    functions.entry(text(id, source).to_owned()).or_insert(n);
                }
            }
            "variable_declarator" => {
                if let (Some(id), Some(v)) = (
                    n.child_by_field_name("name"),
                    n.child_by_field_name("value"),
                ) && id.kind() == "identifier"
                {
                    functions.entry(text(id, source).to_owned()).or_insert(v);
                }
            }
            "assignment_expression" => {
                if let (Some(l), Some(r)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                ) {
                    let lt = text(l, source);
                    if let Some(export) = lt
                        .strip_prefix("module.exports.")
                        .or_else(|| lt.strip_prefix("exports."))
                    {
                        functions.insert(format!("exports.{export}"), r);
                    }
                }
            }
            _ => {}
        }
    }
    let mut node = functions
        .get(&format!("exports.{name}"))
        .or_else(|| functions.get(name))
        .copied()?;
    // `export const run = handler;` -> the function it names.
    for _ in 0..4 {
        if node.kind() == "identifier"
            && let Some(f) = functions.get(text(node, source))
        {
            node = *f;
        } else {
            break;
        }
    }
    let mut body = text(node, source).to_owned();
    let own = body.clone();
    for (fname, f) in &functions {
        let is_function = matches!(
            f.kind(),
            "function_declaration" | "arrow_function" | "function_expression" | "function"
        );
        if is_function
            && fname.len() >= 3
            && fname != name
            && !fname.starts_with("exports.")
            && f.id() != node.id()
            && own.contains(fname.as_str())
        {
            body.push('\n');
            body.push_str(text(*f, source));
        }
    }
    Some(Handler {
        line: node.start_position().row as u64 + 1,
        text: body,
    })
}

#[cfg(test)]
mod handler_tests {
    use super::*;

    #[test]
    fn exported_functions_in_each_style() {
        let src =
            br#"const verifySignature = (req) => req.headers['x-hub-signature'] === sign(req.body);
export const run = async (request) => {
  if (!verifySignature(request)) return { statusCode: 401 };
  return { statusCode: 200 };
};
export async function open(request) { return { statusCode: 200, body: 'ok' }; }
const impl = (r) => ({ statusCode: 204 });
export const aliased = impl;
exports.legacy = function (event) { return { statusCode: 200 }; };
"#;
        let run = exported_function(src, Lang::JavaScript, "run").unwrap();
        assert_eq!(run.line, 2);
        assert!(run.text.contains("x-hub-signature"), "{}", run.text);
        let open = exported_function(src, Lang::JavaScript, "open").unwrap();
        assert_eq!(open.line, 6);
        assert!(!open.text.contains("verify"));
        assert_eq!(
            exported_function(src, Lang::JavaScript, "aliased")
                .unwrap()
                .line,
            7
        );
        assert_eq!(
            exported_function(src, Lang::JavaScript, "legacy")
                .unwrap()
                .line,
            9
        );
        assert!(exported_function(src, Lang::JavaScript, "missing").is_none());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(src in "\\PC{0,400}") {
            let _ = connect_descriptor(src.as_bytes(), Lang::JavaScript);
            let _ = connect_descriptor(src.as_bytes(), Lang::Tsx);
            let _ = exported_function(src.as_bytes(), Lang::TypeScript, "run");
            let _ = crate::js_credential_storage(src.as_bytes(), Lang::JavaScript);
            let _ = crate::java_credential_fields(src.as_bytes());
        }
    }
}
