//! CSV as RFC 4180 writes it, for the post export and import: quoted fields, doubled quotes,
//! CRLF (or LF) line ends, a UTF-8 byte-order mark tolerated. Small enough not to need a crate.

/// One record of a file, with the line it starts on (the first line is 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: u64,
    pub fields: Vec<String>,
}

/// Reads every record of `text`. Blank lines, and lines of empty fields only (spreadsheets
/// leave those behind), are skipped. A quote left open is an error naming its line.
pub fn parse(text: &str) -> Result<Vec<Record>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line: u64 = 1;
    let mut record_line: u64 = 1;
    let mut in_quotes = false;
    let mut quote_line = 0;
    let mut chars = text.chars().peekable();

    let mut end_record = |fields: &mut Vec<String>, field: &mut String, at: u64| {
        fields.push(std::mem::take(field));
        let record = std::mem::take(fields);
        if record.iter().any(|f| !f.trim().is_empty()) {
            records.push(Record {
                line: at,
                fields: record,
            });
        }
    };

    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                '\r' => {
                    // A CRLF inside a quoted field is one line break.
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                in_quotes = true;
                quote_line = line;
            }
            ',' => fields.push(std::mem::take(&mut field)),
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                end_record(&mut fields, &mut field, record_line);
                line += 1;
                record_line = line;
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(format!(
            "Line {quote_line}: a quoted value is never closed (a \" is missing)"
        ));
    }
    if !field.is_empty() || !fields.is_empty() {
        end_record(&mut fields, &mut field, record_line);
    }
    Ok(records)
}

/// A cell as written to a file a spreadsheet will open: text that would start a formula
/// (`=`, `+`, `-`, `@`, a tab or a carriage return first) gets a leading `'`, so it stays text.
pub fn inert(value: &str) -> std::borrow::Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}").into(),
        _ => value.into(),
    }
}

/// Appends one record to `out`: fields quoted when they hold a comma, a quote or a line
/// break (quotes doubled), then CRLF.
pub fn write_record<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let field = field.as_ref();
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<(u64, Vec<String>)> {
        parse(text)
            .unwrap()
            .into_iter()
            .map(|r| (r.line, r.fields))
            .collect()
    }

    #[test]
    fn quotes_line_breaks_and_blank_lines() {
        let text = "\u{feff}a,b\r\n\"x, \"\"y\"\"\",\"two\r\nlines\"\r\n\r\n,,\nlast,\n";
        assert_eq!(
            fields(text),
            vec![
                (1, vec!["a".into(), "b".into()]),
                (2, vec!["x, \"y\"".into(), "two\nlines".into()]),
                (6, vec!["last".into(), "".into()]),
            ]
        );
        assert_eq!(fields("a,b"), vec![(1, vec!["a".into(), "b".into()])]);
        assert!(parse("a,\"open\nb").unwrap_err().starts_with("Line 1:"));
    }

    #[test]
    fn written_records_read_back() {
        let mut out = String::new();
        write_record(&mut out, &["plain", "a,b", "say \"hi\"", "two\nlines", ""]);
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
        assert_eq!(
            parse(&out).unwrap()[0].fields,
            ["plain", "a,b", "say \"hi\"", "two\nlines", ""]
        );
    }

    #[test]
    fn formulas_stay_text() {
        for risky in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(inert(risky), format!("'{risky}"));
        }
        assert_eq!(inert("Hello"), "Hello");
        assert_eq!(inert(""), "");
    }
}
