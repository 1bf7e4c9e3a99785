//! Query strings of list pages and export links.

/// Percent-encodes everything but unreserved characters (RFC 3986), for a query-string value.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The inverse of [`urlencode`], also reading `+` as a space (as HTML forms send it).
pub fn urldecode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_percent_escapes_are_kept_as_text() {
        assert_eq!(urldecode("50%"), "50%");
        assert_eq!(urldecode("%zz1"), "%zz1");
        assert_eq!(urldecode("a+b%2C"), "a b,");
    }

    #[test]
    fn what_is_encoded_decodes_back() {
        let text = "上海 A&B=50% +x";
        assert_eq!(urldecode(&urlencode(text)), text);
    }
}
