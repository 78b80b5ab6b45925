fn main() {
    let path = std::env::args().nth(1).unwrap();
    let src = std::fs::read(&path).unwrap();
    let mut p = tree_sitter::Parser::new();
    p.set_language(&tree_sitter_kotlin_ng::LANGUAGE.into()).unwrap();
    let t = p.parse(&src, None).unwrap();
    fn go(n: tree_sitter::Node, field: &str, src: &[u8], d: usize) {
        let txt = n.utf8_text(src).unwrap_or("");
        let short: String = txt.chars().take(50).collect::<String>().replace('\n', " ");
        println!("{}{} [{}] {:?}", "  ".repeat(d), n.kind(), field, short);
        let mut c = n.walk();
        let kids: Vec<_> = n.children(&mut c).enumerate().map(|(i, ch)| (ch, n.field_name_for_child(i as u32).unwrap_or(""))).collect();
        for (ch, f) in kids { if ch.is_named() { go(ch, f, src, d+1); } }
    }
    go(t.root_node(), "", &src, 0);
}
