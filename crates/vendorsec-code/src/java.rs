//! Java: the annotations on each method and its class (tree-sitter-java), for the checks
//! that read them (P2 REST resources' anonymous access and XSRF exclusions, Spring Boot
//! Connect apps' `@IgnoreJwt` / `@ContextJwt`).

use tree_sitter::{Node, Parser};

use crate::MAX_SOURCE_BYTES;

/// One annotation: simple name and its arguments as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub name: String,
    pub args: String,
}

/// A method with its annotations and those of its enclosing classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaMethod {
    pub class: String,
    pub method: String,
    pub annotations: Vec<Annotation>,
    pub class_annotations: Vec<Annotation>,
    pub line: u64,
    pub column: u64,
}

impl JavaMethod {
    /// Whether the method or its class carries an annotation of this simple name.
    #[must_use]
    pub fn has(&self, name: &str) -> bool {
        self.annotations
            .iter()
            .chain(&self.class_annotations)
            .any(|a| a.name == name)
    }

    /// The HTTP method a JAX-RS or Spring annotation gives the handler, if any.
    #[must_use]
    pub fn http_method(&self) -> Option<&'static str> {
        for a in &self.annotations {
            let m = match a.name.as_str() {
                "GET" | "GetMapping" => "GET",
                "POST" | "PostMapping" => "POST",
                "PUT" | "PutMapping" => "PUT",
                "DELETE" | "DeleteMapping" => "DELETE",
                "PATCH" | "PatchMapping" => "PATCH",
                "RequestMapping" => {
                    let up = a.args.to_ascii_uppercase();
                    if up.contains("POST") {
                        "POST"
                    } else if up.contains("PUT") {
                        "PUT"
                    } else if up.contains("DELETE") {
                        "DELETE"
                    } else if up.contains("PATCH") {
                        "PATCH"
                    } else {
                        "ANY"
                    }
                }
                _ => continue,
            };
            return Some(m);
        }
        None
    }
}

fn text<'a>(n: Node<'_>, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or("")
}

fn annotations(n: Node<'_>, src: &[u8]) -> Vec<Annotation> {
    let mut out = Vec::new();
    let mut c = n.walk();
    for ch in n.children(&mut c) {
        if ch.kind() != "modifiers" {
            continue;
        }
        let mut c2 = ch.walk();
        for a in ch.children(&mut c2) {
            if a.kind() == "marker_annotation" || a.kind() == "annotation" {
                let name = a.child_by_field_name("name").map_or("", |x| text(x, src));
                let name = name.rsplit('.').next().unwrap_or(name).to_owned();
                let args = a
                    .child_by_field_name("arguments")
                    .map_or("", |x| text(x, src))
                    .to_owned();
                out.push(Annotation { name, args });
            }
        }
    }
    out
}

/// Every method of every class in a Java source file, with annotations.
#[must_use]
pub fn java_methods(source: &[u8]) -> Vec<JavaMethod> {
    if source.len() > MAX_SOURCE_BYTES {
        return Vec::new();
    }
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_java::LANGUAGE.into())
        .is_err()
    {
        return Vec::new();
    }
    let Some(tree) = parser.parse(source, None) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // (node, enclosing class name, enclosing class annotations)
    let mut stack: Vec<(Node<'_>, String, Vec<Annotation>)> =
        vec![(tree.root_node(), String::new(), Vec::new())];
    let mut seen = 0usize;
    while let Some((n, class, class_ann)) = stack.pop() {
        seen += 1;
        if seen > 2_000_000 {
            break;
        }
        let (class, class_ann) = match n.kind() {
            "class_declaration"
            | "interface_declaration"
            | "enum_declaration"
            | "record_declaration" => {
                let name = n
                    .child_by_field_name("name")
                    .map_or("", |x| text(x, source))
                    .to_owned();
                let mut anns = class_ann.clone();
                anns.extend(annotations(n, source));
                let full = if class.is_empty() {
                    name
                } else {
                    format!("{class}.{name}")
                };
                (full, anns)
            }
            "method_declaration" => {
                let pos = n.start_position();
                out.push(JavaMethod {
                    class: class.clone(),
                    method: n
                        .child_by_field_name("name")
                        .map_or("", |x| text(x, source))
                        .to_owned(),
                    annotations: annotations(n, source),
                    class_annotations: class_ann.clone(),
                    line: pos.row as u64 + 1,
                    column: pos.column as u64 + 1,
                });
                (class, class_ann)
            }
            _ => (class, class_ann),
        };
        let mut c = n.walk();
        for ch in n.named_children(&mut c) {
            stack.push((ch, class.clone(), class_ann.clone()));
        }
    }
    out.sort_by_key(|m| (m.line, m.column));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_with_class_and_method_annotations() {
        let src = br#"package com.example;
import com.atlassian.plugins.rest.common.security.AnonymousAllowed;
@Path("/config")
@AnonymousAllowed
public class ConfigResource {
    @GET
    public Response get() { return null; }

    @POST
    @com.atlassian.annotations.security.XsrfProtectionExcluded
    public Response save(String body) { return null; }
}
@RestController
class Hooks {
    @IgnoreJwt
    @RequestMapping(value = "/hook", method = RequestMethod.POST)
    public void hook() {}
}
"#;
        let m = java_methods(src);
        let got: Vec<String> = m
            .iter()
            .map(|x| {
                format!(
                    "{}.{} {:?} anon={} xsrf={} ignore={} l{}",
                    x.class,
                    x.method,
                    x.http_method(),
                    x.has("AnonymousAllowed"),
                    x.has("XsrfProtectionExcluded"),
                    x.has("IgnoreJwt"),
                    x.line
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                "ConfigResource.get Some(\"GET\") anon=true xsrf=false ignore=false l6",
                "ConfigResource.save Some(\"POST\") anon=true xsrf=true ignore=false l9",
                "Hooks.hook Some(\"POST\") anon=false xsrf=false ignore=true l15",
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(src in "\\PC{0,400}") {
            let _ = java_methods(src.as_bytes());
        }
    }
}
