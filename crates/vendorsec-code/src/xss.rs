//! The request-data half of DC-XSS-01: values Velocity renders without escaping (Jira and
//! Confluence treat references whose names end in `Html` as already safe, and `@HtmlSafe`
//! getters likewise) that come from the request.

use tree_sitter::Node;

use crate::java::parse_java;
use crate::{nodes, text};

/// A value that reaches a template unescaped and may carry request data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlSink {
    /// Simple name of the class.
    pub class: String,
    /// The template reference name (`commentHtml`), or the getter's property for `@HtmlSafe`.
    pub name: String,
    /// `context` (`context.put("xHtml", request.getParameter(…))`: request data for
    /// certain), `action-parameter` (a web action's `setXHtml` / `getXHtml` pair: the request
    /// parameter `xHtml` is bound to it; a finding only when a template renders it) or
    /// `html-safe` (an `@HtmlSafe` getter returning request data).
    pub how: &'static str,
    pub evidence: String,
    pub line: u64,
    pub column: u64,
}

const REQUEST_READS: [&str; 7] = [
    "getParameter",
    "getHeader",
    "getQueryString",
    "getRequestURI",
    "getRequestURL",
    "getPathInfo",
    "getCookies",
];

fn reads_request(t: &str) -> bool {
    REQUEST_READS.iter().any(|r| t.contains(r))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn one_line(n: Node<'_>, src: &[u8]) -> String {
    text(n, src)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(160)
        .collect()
}

/// The simple name of the class around a node.
fn nodes_up(n: Node<'_>, src: &[u8]) -> String {
    let mut cur = n.parent();
    while let Some(p) = cur {
        if p.kind() == "class_declaration" {
            return p
                .child_by_field_name("name")
                .map_or("", |x| text(x, src))
                .to_owned();
        }
        cur = p.parent();
    }
    String::new()
}

/// Unescaped-output sinks of a Java source file.
#[must_use]
pub fn html_sinks(source: &[u8]) -> Vec<HtmlSink> {
    let Some(tree) = parse_java(source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let at = |n: Node<'_>| {
        let p = n.start_position();
        (p.row as u64 + 1, p.column as u64 + 1)
    };
    for n in nodes(tree.root_node()) {
        match n.kind() {
            "method_invocation" => {
                let name = n
                    .child_by_field_name("name")
                    .map_or("", |x| text(x, source));
                if name != "put" {
                    continue;
                }
                let Some(args) = n.child_by_field_name("arguments") else {
                    continue;
                };
                let (Some(k), Some(v)) = (args.named_child(0), args.named_child(1)) else {
                    continue;
                };
                let key = text(k, source).trim_matches('"');
                if k.kind() == "string_literal"
                    && key.ends_with("Html")
                    && reads_request(text(v, source))
                {
                    let (line, column) = at(n);
                    let class = nodes_up(n, source);
                    out.push(HtmlSink {
                        class,
                        name: key.to_owned(),
                        how: "context",
                        evidence: one_line(n, source),
                        line,
                        column,
                    });
                }
            }
            "class_declaration" => {
                let superclass = n
                    .child_by_field_name("superclass")
                    .map_or("", |x| text(x, source));
                let class = n
                    .child_by_field_name("name")
                    .map_or("", |x| text(x, source))
                    .to_owned();
                let Some(body) = n.child_by_field_name("body") else {
                    continue;
                };
                let mut c = body.walk();
                let methods: Vec<Node<'_>> = body
                    .named_children(&mut c)
                    .filter(|m| m.kind() == "method_declaration")
                    .collect();
                let mname = |m: &Node<'_>| {
                    m.child_by_field_name("name")
                        .map_or("", |x| text(x, source))
                };
                for m in &methods {
                    let name = mname(m);
                    // @HtmlSafe getter returning request data.
                    let mods = {
                        let mut c = m.walk();
                        m.children(&mut c)
                            .find(|x| x.kind() == "modifiers")
                            .map_or("", |x| text(x, source))
                    };
                    if mods.contains("HtmlSafe")
                        && m.child_by_field_name("body")
                            .is_some_and(|b| reads_request(text(b, source)))
                    {
                        let (line, column) = at(*m);
                        out.push(HtmlSink {
                            class: class.clone(),
                            name: lower_first(name.trim_start_matches("get")),
                            how: "html-safe",
                            evidence: format!("@HtmlSafe {name}() returns request data"),
                            line,
                            column,
                        });
                    }
                    // A web action's bound parameter: setXHtml(String) + getXHtml().
                    if superclass.contains("Action")
                        && let Some(prop) = name.strip_prefix("get").filter(|p| p.ends_with("Html"))
                        && methods.iter().any(|s| mname(s) == format!("set{prop}"))
                    {
                        let (line, column) = at(*m);
                        out.push(HtmlSink {
                            class: class.clone(),
                            name: lower_first(prop),
                            how: "action-parameter",
                            evidence: format!("set{prop}(…) / get{prop}() on a web action"),
                            line,
                            column,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|s| (s.line, s.column));
    out
}

/// A reference name and its 1-based line.
pub type NamedLine = (String, u64);

/// The `…Html` references a Velocity template renders (`$xHtml`, `$!{xHtml}`,
/// `$action.xHtml`, `$action.getXHtml()`), with 1-based lines; and `#set` of an `…Html`
/// variable from request data (`$req.getParameter(…)`), which is a sink on its own.
#[must_use]
pub fn velocity_html_refs(template: &str) -> (Vec<NamedLine>, Vec<NamedLine>) {
    let mut refs = Vec::new();
    let mut direct = Vec::new();
    for (i, line) in template.lines().enumerate().take(1_000_000) {
        let ln = i as u64 + 1;
        let b = line.as_bytes();
        let mut at = 0;
        while let Some(off) = line[at..].find('$') {
            let start = at + off + 1;
            let mut j = start;
            while j < b.len() && matches!(b[j], b'!' | b'{') {
                j += 1;
            }
            let ident_start = j;
            while j < b.len()
                && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'_' | b'.' | b'(' | b')'))
            {
                j += 1;
            }
            let reference = &line[ident_start..j];
            let last = reference
                .trim_end_matches("()")
                .rsplit('.')
                .next()
                .unwrap_or("");
            let name = last
                .strip_prefix("get")
                .map_or(last.to_owned(), lower_first);
            if name.ends_with("Html") && name.len() > 4 {
                refs.push((name, ln));
            }
            at = j.max(start);
        }
        let t = line.trim_start();
        if t.starts_with("#set")
            && reads_request(t)
            && let Some(var) = t.split('$').nth(1)
        {
            {
                let var: String = var
                    .trim_start_matches(['!', '{'])
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if var.ends_with("Html") {
                    direct.push((var, ln));
                }
            }
        }
    }
    (refs, direct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinks_in_java() {
        let src = br#"public class Panel implements ContextProvider {
    public Map<String, Object> getContextMap(Map<String, Object> ctx) {
        ctx.put("titleHtml", request.getParameter("title"));
        ctx.put("bodyHtml", renderer.render(issue));
        ctx.put("name", request.getParameter("name"));
        return ctx;
    }
}
public class EditAction extends JiraWebActionSupport {
    private String descriptionHtml;
    public void setDescriptionHtml(String d) { descriptionHtml = d; }
    public String getDescriptionHtml() { return descriptionHtml; }
    public String getSummaryHtml() { return "<b>fixed</b>"; }
    @HtmlSafe
    public String getReturnUrl() { return request.getParameter("returnUrl"); }
}
public class NotAnAction {
    public void setNoteHtml(String n) {}
    public String getNoteHtml() { return ""; }
}
"#;
        let got: Vec<String> = html_sinks(src)
            .iter()
            .map(|s| format!("{} {} l{}", s.how, s.name, s.line))
            .collect();
        assert_eq!(
            got,
            vec![
                "context titleHtml l3",
                "action-parameter descriptionHtml l12",
                "html-safe returnUrl l14",
            ]
        );
    }

    #[test]
    fn references_in_templates() {
        let t = "<h1>$titleHtml</h1>\n<p>$!{action.descriptionHtml} $action.getSummaryHtml() $name $Html</p>\n#set($echoHtml = $req.getParameter(\"q\"))\n";
        let (refs, direct) = velocity_html_refs(t);
        assert_eq!(
            refs,
            vec![
                ("titleHtml".to_owned(), 1),
                ("descriptionHtml".to_owned(), 2),
                ("summaryHtml".to_owned(), 2),
                ("echoHtml".to_owned(), 3),
            ]
        );
        assert_eq!(direct, vec![("echoHtml".to_owned(), 3)]);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(src in "\\PC{0,400}") {
            let _ = html_sinks(src.as_bytes());
            let _ = velocity_html_refs(&src);
        }
    }
}
