//! Structured Field Values (RFC 8941, with RFC 9651's Date and Display String): the parsing
//! algorithms of RFC 8941 §4.2, for Lists, Dictionaries and Items.
//!
//! ```text
//! sf-list       = list-member *( OWS "," OWS list-member )
//! list-member   = sf-item / inner-list
//! inner-list    = "(" *SP [ sf-item *( 1*SP sf-item ) *SP ] ")" parameters
//! parameters    = *( ";" *SP parameter )
//! parameter     = param-key [ "=" param-value ]
//! key           = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" )
//! sf-dictionary = dict-member *( OWS "," OWS dict-member )
//! dict-member   = member-key ( parameters / ( "=" member-value ))
//! sf-item       = bare-item parameters
//! bare-item     = sf-integer / sf-decimal / sf-string / sf-token / sf-binary / sf-boolean
//!                 / sf-date / sf-displaystring
//! ```
//!
//! Duplicate keys (in a dictionary or in parameters) keep the first position and the last
//! value, as the RFC's "overwrite" does. Nothing recurses: inner lists can't nest.

/// A bare item (RFC 8941 §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BareItem {
    /// `sf-integer`, at most 15 digits.
    Integer(i64),
    /// `sf-decimal`, in thousandths (at most 12 integer and 3 fractional digits).
    Decimal(i64),
    /// `sf-string`, unescaped.
    String(String),
    /// `sf-token`.
    Token(String),
    /// `sf-binary`, the base64 text between the colons (not decoded: nothing here needs it).
    ByteSeq(String),
    /// `sf-boolean`.
    Boolean(bool),
    /// `sf-date` (RFC 9651), seconds since the epoch.
    Date(i64),
    /// `sf-displaystring` (RFC 9651), decoded.
    DisplayString(String),
}

/// Parameters in order of first appearance.
pub(crate) type Params = Vec<(String, BareItem)>;

/// An item with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub(crate) bare: BareItem,
    pub(crate) params: Params,
}

impl Item {
    /// The value of parameter `key`, if present.
    pub(crate) fn param(&self, key: &str) -> Option<&BareItem> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// A member of a List or a Dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Member {
    Item(Item),
    InnerList(Vec<Item>, Params),
}

/// Parses a List field value (RFC 8941 §4.2.1).
pub(crate) fn parse_list(input: &str) -> Result<Vec<Member>, &'static str> {
    let mut p = Parser::new(input)?;
    let mut members = Vec::new();
    while !p.at_end() {
        members.push(p.item_or_inner_list()?);
        p.skip_ows();
        if p.at_end() {
            break;
        }
        if p.next() != Some(b',') {
            return Err("expected a comma between list members");
        }
        p.skip_ows();
        if p.at_end() {
            return Err("trailing comma");
        }
    }
    Ok(members)
}

/// Parses a Dictionary field value (RFC 8941 §4.2.2).
pub(crate) fn parse_dictionary(input: &str) -> Result<Vec<(String, Member)>, &'static str> {
    let mut p = Parser::new(input)?;
    let mut members: Vec<(String, Member)> = Vec::new();
    while !p.at_end() {
        let key = p.key()?;
        let member = if p.peek() == Some(b'=') {
            p.i += 1;
            p.item_or_inner_list()?
        } else {
            Member::Item(Item {
                bare: BareItem::Boolean(true),
                params: p.params()?,
            })
        };
        match members.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = member,
            None => members.push((key, member)),
        }
        p.skip_ows();
        if p.at_end() {
            break;
        }
        if p.next() != Some(b',') {
            return Err("expected a comma between dictionary members");
        }
        p.skip_ows();
        if p.at_end() {
            return Err("trailing comma");
        }
    }
    Ok(members)
}

/// Parses an Item field value (RFC 8941 §4.2.3).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn parse_item(input: &str) -> Result<Item, &'static str> {
    let mut p = Parser::new(input)?;
    let item = p.item()?;
    if !p.at_end() {
        return Err("unexpected characters after the item");
    }
    Ok(item)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    /// Field values are ASCII; leading and trailing SP are discarded (RFC 8941 §4.2).
    fn new(input: &'a str) -> Result<Self, &'static str> {
        if !input.is_ascii() {
            return Err("non-ascii character");
        }
        let s = input.trim_matches(' ').as_bytes();
        Ok(Parser { s, i: 0 })
    }

    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        if c.is_some() {
            self.i += 1;
        }
        c
    }

    fn skip_sp(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    fn item_or_inner_list(&mut self) -> Result<Member, &'static str> {
        if self.peek() == Some(b'(') {
            self.inner_list()
        } else {
            self.item().map(Member::Item)
        }
    }

    fn inner_list(&mut self) -> Result<Member, &'static str> {
        self.i += 1; // '('
        let mut items = Vec::new();
        loop {
            self.skip_sp();
            match self.peek() {
                None => return Err("unterminated inner list"),
                Some(b')') => {
                    self.i += 1;
                    let params = self.params()?;
                    return Ok(Member::InnerList(items, params));
                }
                Some(_) => {
                    items.push(self.item()?);
                    if !matches!(self.peek(), Some(b' ' | b')')) {
                        return Err("expected a space or ')' in inner list");
                    }
                }
            }
        }
    }

    fn item(&mut self) -> Result<Item, &'static str> {
        let bare = self.bare_item()?;
        let params = self.params()?;
        Ok(Item { bare, params })
    }

    fn params(&mut self) -> Result<Params, &'static str> {
        let mut params: Params = Vec::new();
        while self.peek() == Some(b';') {
            self.i += 1;
            self.skip_sp();
            let key = self.key()?;
            let value = if self.peek() == Some(b'=') {
                self.i += 1;
                self.bare_item()?
            } else {
                BareItem::Boolean(true)
            };
            match params.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => params.push((key, value)),
            }
        }
        Ok(params)
    }

    fn key(&mut self) -> Result<String, &'static str> {
        let start = self.i;
        match self.peek() {
            Some(c) if c.is_ascii_lowercase() || c == b'*' => self.i += 1,
            _ => return Err("expected a key"),
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || matches!(c, b'_' | b'-' | b'.' | b'*')
            {
                self.i += 1;
            } else {
                break;
            }
        }
        Ok(self.slice(start))
    }

    fn slice(&self, start: usize) -> String {
        self.s
            .get(start..self.i)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }

    fn bare_item(&mut self) -> Result<BareItem, &'static str> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'"') => self.string().map(BareItem::String),
            Some(c) if c.is_ascii_alphabetic() || c == b'*' => Ok(self.token()),
            Some(b':') => self.byte_seq(),
            Some(b'?') => self.boolean(),
            Some(b'@') => {
                self.i += 1;
                match self.number()? {
                    BareItem::Integer(n) => Ok(BareItem::Date(n)),
                    _ => Err("a date must be an integer"),
                }
            }
            Some(b'%') => self.display_string(),
            Some(_) => Err("unexpected character"),
            None => Err("expected an item"),
        }
    }

    fn number(&mut self) -> Result<BareItem, &'static str> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err("expected a digit");
        }
        let mut int_digits = 0usize;
        let mut frac_digits = 0usize;
        let mut decimal = false;
        let mut value: i64 = 0;
        let mut frac: i64 = 0;
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() {
                let d = i64::from(c - b'0');
                if decimal {
                    frac_digits += 1;
                    if frac_digits > 3 {
                        return Err("decimal with more than 3 fractional digits");
                    }
                    frac = frac * 10 + d;
                } else {
                    int_digits += 1;
                    if int_digits > 15 {
                        return Err("integer with more than 15 digits");
                    }
                    value = value * 10 + d;
                }
                self.i += 1;
            } else if c == b'.' && !decimal {
                if int_digits > 12 {
                    return Err("decimal with more than 12 integer digits");
                }
                decimal = true;
                self.i += 1;
            } else {
                break;
            }
        }
        let sign = if negative { -1 } else { 1 };
        if decimal {
            if frac_digits == 0 {
                return Err("decimal ending with '.'");
            }
            for _ in frac_digits..3 {
                frac *= 10;
            }
            Ok(BareItem::Decimal(sign * (value * 1000 + frac)))
        } else {
            Ok(BareItem::Integer(sign * value))
        }
    }

    fn string(&mut self) -> Result<String, &'static str> {
        self.i += 1; // '"'
        let mut out = String::new();
        loop {
            match self.next() {
                None => return Err("unterminated string"),
                Some(b'\\') => match self.next() {
                    Some(c @ (b'"' | b'\\')) => out.push(char::from(c)),
                    _ => return Err("invalid escape in string"),
                },
                Some(b'"') => return Ok(out),
                Some(c) if (0x20..0x7f).contains(&c) => out.push(char::from(c)),
                Some(_) => return Err("invalid character in string"),
            }
        }
    }

    fn token(&mut self) -> BareItem {
        let start = self.i;
        self.i += 1;
        while let Some(c) = self.peek() {
            if is_tchar(c) || c == b':' || c == b'/' {
                self.i += 1;
            } else {
                break;
            }
        }
        BareItem::Token(self.slice(start))
    }

    fn byte_seq(&mut self) -> Result<BareItem, &'static str> {
        self.i += 1; // ':'
        let start = self.i;
        loop {
            match self.peek() {
                None => return Err("unterminated byte sequence"),
                Some(b':') => {
                    let text = self.slice(start);
                    self.i += 1;
                    return Ok(BareItem::ByteSeq(text));
                }
                Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=') => {
                    self.i += 1;
                }
                Some(_) => return Err("invalid character in byte sequence"),
            }
        }
    }

    fn boolean(&mut self) -> Result<BareItem, &'static str> {
        self.i += 1; // '?'
        match self.next() {
            Some(b'1') => Ok(BareItem::Boolean(true)),
            Some(b'0') => Ok(BareItem::Boolean(false)),
            _ => Err("invalid boolean"),
        }
    }

    fn display_string(&mut self) -> Result<BareItem, &'static str> {
        self.i += 1; // '%'
        if self.next() != Some(b'"') {
            return Err("expected '\"' after '%'");
        }
        let mut bytes = Vec::new();
        loop {
            match self.next() {
                None => return Err("unterminated display string"),
                Some(b'"') => {
                    return String::from_utf8(bytes)
                        .map(BareItem::DisplayString)
                        .map_err(|_| "display string is not utf-8");
                }
                Some(b'%') => {
                    let hi = self.next().and_then(lower_hex);
                    let lo = self.next().and_then(lower_hex);
                    match (hi, lo) {
                        (Some(h), Some(l)) => bytes.push(h * 16 + l),
                        _ => return Err("invalid percent escape in display string"),
                    }
                }
                Some(c) if (0x20..0x7f).contains(&c) => bytes.push(c),
                Some(_) => return Err("invalid character in display string"),
            }
        }
    }
}

fn lower_hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// `tchar` of RFC 9110 §5.6.2.
pub(crate) fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// Serializes a String bare item (RFC 8941 §4.1.6). Characters outside %x20-7E can't be
/// represented; they are replaced by `?` so the output is always a valid field value.
pub(crate) fn serialize_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(n: i64) -> BareItem {
        BareItem::Integer(n)
    }

    #[test]
    fn lists() {
        let l = parse_list("\"default\";q=100;w=21600, 10;w=1").unwrap();
        assert_eq!(l.len(), 2);
        let Member::Item(first) = &l[0] else { panic!() };
        assert_eq!(first.bare, BareItem::String("default".into()));
        assert_eq!(first.param("q"), Some(&int(100)));
        assert_eq!(first.param("w"), Some(&int(21600)));
        assert!(parse_list("1, ").is_err());
        assert!(parse_list("1,,2").is_err());
        assert_eq!(parse_list("").unwrap(), vec![]);
        assert_eq!(parse_list("  ").unwrap(), vec![]);
        assert!(parse_list("(1 2);a, 3").is_ok());
        assert!(parse_list("(1 2").is_err());
        assert!(parse_list("1 ;w=2").is_err());
        assert!(parse_list("\u{e9}").is_err());
    }

    #[test]
    fn dictionaries() {
        let d = parse_dictionary("limit=10, remaining=1, reset=7, a, b;x=?0").unwrap();
        assert_eq!(d.len(), 5);
        assert_eq!(d[0].0, "limit");
        let d = parse_dictionary("a=1, a=2, b").unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(
            d[0].1,
            Member::Item(Item {
                bare: int(2),
                params: vec![]
            })
        );
        assert!(parse_dictionary("A=1").is_err());
    }

    #[test]
    fn items() {
        assert_eq!(
            parse_item("-999999999999999").unwrap().bare,
            int(-999_999_999_999_999)
        );
        assert!(parse_item("1000000000000000").is_err());
        assert_eq!(parse_item("1.5").unwrap().bare, BareItem::Decimal(1500));
        assert!(parse_item("1.").is_err());
        assert!(parse_item("1.2345").is_err());
        assert!(parse_item("1234567890123.1").is_err());
        assert_eq!(
            parse_item("\"a\\\"b\"").unwrap().bare,
            BareItem::String("a\"b".into())
        );
        assert!(parse_item("\"a\\b\"").is_err());
        assert_eq!(parse_item("?1").unwrap().bare, BareItem::Boolean(true));
        assert_eq!(
            parse_item(":aGk=:").unwrap().bare,
            BareItem::ByteSeq("aGk=".into())
        );
        assert_eq!(
            parse_item("@1659578233").unwrap().bare,
            BareItem::Date(1_659_578_233)
        );
        assert_eq!(
            parse_item("%\"f%c3%bc\"").unwrap().bare,
            BareItem::DisplayString("f\u{fc}".into())
        );
        assert_eq!(
            parse_item("a/b:c").unwrap().bare,
            BareItem::Token("a/b:c".into())
        );
        assert!(parse_item("1 2").is_err());
    }

    /// Cases in the style of httpwg/structured-field-tests (list.json, param-list.json).
    #[test]
    fn structured_field_test_suite_cases() {
        let ok = |s: &str| parse_list(s).map(|l| l.len());
        assert_eq!(ok("1, 42"), Ok(2));
        assert_eq!(ok("1,42"), Ok(2));
        assert_eq!(ok("1 , 42"), Ok(2));
        assert_eq!(ok("1\t,\t42"), Ok(2));
        assert!(ok("1, 42,").is_err());
        assert!(ok("1,,42").is_err());
        assert_eq!(ok("abc_123;a=1;b=2; cdef_456, ghi;q=9;r=\"+w\""), Ok(2));
        assert_eq!(ok("text/html;q=1.0"), Ok(1));
        assert_eq!(ok("text/html;a;q=1.0"), Ok(1));
        assert!(ok("text/html, text/plain;q =0.5").is_err());
        assert!(ok("text/html, text/plain;q= 0.5").is_err());
        assert!(ok("text/html, text/plain ;q=0.5").is_err());
        assert_eq!(ok("text/html, text/plain; q=0.5"), Ok(2));
        assert_eq!(
            ok("text/html  ,  text/plain;  q=0.5;  charset=utf-8"),
            Ok(2)
        );
        assert!(ok("text/html,,text/plain;q=0.5,").is_err());
        assert_eq!(parse_item("00").unwrap().bare, int(0));
        assert_eq!(parse_item("-0").unwrap().bare, int(0));
        assert_eq!(parse_item("-042").unwrap().bare, int(-42));
        for bad in [
            "2,3",
            "-a23",
            "4-2",
            "1.5.4",
            "1..4",
            "-",
            "?2",
            ":a=b",
            "\"\u{1}\"",
            "a;A=1",
        ] {
            assert!(parse_item(bad).is_err(), "{bad}");
        }
        let l = parse_list("a;q=1;q=2;r").unwrap();
        let Member::Item(i) = &l[0] else { panic!() };
        assert_eq!(
            i.params,
            vec![
                ("q".to_owned(), int(2)),
                ("r".to_owned(), BareItem::Boolean(true))
            ]
        );
    }

    #[test]
    fn strings_serialize() {
        assert_eq!(serialize_string("a\"b\\"), "\"a\\\"b\\\\\"");
        assert_eq!(serialize_string("caf\u{e9}"), "\"caf?\"");
        assert_eq!(
            parse_item(&serialize_string("x \"y\"")).unwrap().bare,
            BareItem::String("x \"y\"".into())
        );
    }
}
