//! Content sniffing: archives by magic number, binary by content, never by extension alone.

/// How many leading bytes are read to decide.
pub const HEAD_LEN: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Gzip,
    Tar,
    Binary,
    Text,
}

/// Classify a blob from its first bytes (up to [`HEAD_LEN`]).
#[must_use]
pub fn sniff(head: &[u8]) -> Kind {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Kind::Zip;
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Kind::Gzip;
    }
    if is_tar(head) {
        return Kind::Tar;
    }
    if is_binary(head) {
        Kind::Binary
    } else {
        Kind::Text
    }
}

pub(crate) fn is_tar(head: &[u8]) -> bool {
    head.len() >= 263 && &head[257..262] == b"ustar"
}

fn is_binary(head: &[u8]) -> bool {
    if head.contains(&0) {
        return true;
    }
    // Control characters other than tab, newline, carriage return, form feed and escape.
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    controls * 10 > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Kind::Zip);
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Kind::Gzip);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Kind::Binary);
        assert_eq!(sniff(b"\xca\xfe\xba\xbe\0\0\0\x34"), Kind::Binary);
        assert_eq!(sniff(b"password=\xff\xfe latin1 text"), Kind::Text);
        assert_eq!(sniff(b""), Kind::Text);
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&tar), Kind::Tar);
    }
}
