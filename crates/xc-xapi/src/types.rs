//! The special data types of xAPI (Data 4.0) as checked newtypes: IRIs and IRLs, UUIDs,
//! language tags and maps, timestamps, durations, `mailto:` IRIs, SHA-1 and SHA-2 hex, media
//! types. Each `parse` returns an error naming the path; a value of these types is valid.

use serde::{Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::error::{Result, XapiError};
use crate::json::{Obj, wrong_type};
use crate::langtag;

fn text<'a>(value: &'a Value, path: &str) -> Result<&'a str> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(wrong_type(path, "a string", other)),
    }
}

/// An absolute IRI (RFC 3987) with a scheme. IRLs (resolvable IRIs: `moreInfo`, `homePage`,
/// `fileUrl`) are held in the same type: whether they resolve is not checkable offline.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Iri(String);

impl Iri {
    /// Checks `text` as an absolute IRI.
    pub fn parse(text: &str, path: &str) -> Result<Self> {
        if text.is_empty() {
            return Err(XapiError::bad_request(path, "must be an IRI, not empty"));
        }
        match oxiri::Iri::parse(text) {
            Ok(_) => Ok(Iri(text.to_string())),
            Err(error) => Err(XapiError::bad_request(
                path,
                format!("must be an absolute IRI with a scheme ({error})"),
            )),
        }
    }

    /// From a JSON value, which must be a string.
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        Self::parse(text(value, path)?, path)
    }

    /// The IRI as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Iri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A UUID in the standard string form (8-4-4-4-12 hex digits), held in lower case: RFC 4122
/// reads hex digits case-insensitively and writes them in lower case, so `AA97…` and `aa97…`
/// name the same statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Uuid(String);

impl Uuid {
    /// Checks `text` as a UUID in standard string form.
    pub fn parse(text: &str, path: &str) -> Result<Self> {
        let bytes = text.as_bytes();
        let well_formed = bytes.len() == 36
            && bytes.iter().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => *b == b'-',
                _ => b.is_ascii_hexdigit(),
            });
        if !well_formed {
            return Err(XapiError::bad_request(
                path,
                format!("must be a UUID like 6f1e2d3c-1111-4222-8333-444455556666, not {text:?}"),
            ));
        }
        Ok(Uuid(text.to_ascii_lowercase()))
    }

    /// From a JSON value, which must be a string.
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        Self::parse(text(value, path)?, path)
    }

    /// Builds a version-4 UUID from 16 random bytes (the caller owns the randomness: this crate
    /// has no IO).
    pub fn from_random_bytes(mut bytes: [u8; 16]) -> Self {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Uuid(format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        ))
    }

    /// The lower-case string form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A well-formed RFC 5646 language tag, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct LanguageTag(String);

impl LanguageTag {
    /// Checks `text` as a language tag.
    pub fn parse(text: &str, path: &str) -> Result<Self> {
        if langtag::is_well_formed(text) {
            Ok(LanguageTag(text.to_string()))
        } else {
            Err(XapiError::bad_request(
                path,
                format!("{text:?} is not an RFC 5646 language tag (e.g. en, en-US, zh-Hans-CN)"),
            ))
        }
    }

    /// The tag as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A language map (Data 4.2): language tag → plain text.
pub type LanguageMap = BTreeMap<LanguageTag, String>;

/// Reads a language map: an object whose keys are language tags and whose values are strings.
pub fn language_map(value: &Value, path: &str) -> Result<LanguageMap> {
    let object = Obj::new(value, path)?;
    let mut map = LanguageMap::new();
    for (key, entry) in object.map {
        let entry_path = format!("{path}.{key}");
        let tag = LanguageTag::parse(key, &entry_path)?;
        let Value::String(text) = entry else {
            return Err(wrong_type(&entry_path, "a string", entry));
        };
        map.insert(tag, text.clone());
    }
    Ok(map)
}

/// A point in time (Data 4.5), held in UTC. The input is ISO 8601 in extended or basic format
/// with a time zone `Z`, `±hh:mm`, `±hhmm` or `±hh`; the RFC 3339 "unknown offset" forms `-00`,
/// `-0000` and `-00:00` are refused (the suites test it). A timestamp without a zone is read as
/// UTC (1.0.3 only says it SHOULD include one). Fractions of a second are kept to the
/// nanosecond, more digits are truncated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Parses an ISO 8601 combined date and time.
    pub fn parse(text: &str, path: &str) -> Result<Self> {
        parse_timestamp(text).map(Timestamp).ok_or_else(|| {
            XapiError::bad_request(
                path,
                format!(
                    "{text:?} is not an ISO 8601 timestamp with a time zone (e.g. 2024-05-04T12:00:00.000Z)"
                ),
            )
        })
    }

    /// From a JSON value, which must be a string.
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        Self::parse(text(value, path)?, path)
    }

    /// Wraps a point in time (the LRS's clock for `stored`).
    pub fn from_datetime(at: OffsetDateTime) -> Self {
        Timestamp(at.to_offset(UtcOffset::UTC))
    }

    /// The point in time, in UTC.
    pub fn datetime(&self) -> OffsetDateTime {
        self.0
    }

    /// RFC 3339 in UTC with at least millisecond precision (Data 4.5: "preserve precision to
    /// at least milliseconds"; "SHOULD return the Timestamp in UTC"): `2024-05-04T17:00:00.000Z`,
    /// with up to nine fraction digits when the input had sub-millisecond precision.
    pub fn to_rfc3339(&self) -> String {
        let t = self.0;
        let nanos = t.nanosecond();
        let mut fraction = format!("{nanos:09}");
        while fraction.len() > 3 && fraction.ends_with('0') {
            fraction.pop();
        }
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{fraction}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

fn number(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    if !text.is_ascii() {
        return None;
    }
    let (date_part, rest) = text.split_once(['T', 't'])?;
    // Date: YYYY-MM-DD or YYYYMMDD.
    let (year, month, day) = match date_part.len() {
        10 if date_part.as_bytes()[4] == b'-' && date_part.as_bytes()[7] == b'-' => (
            number(&date_part[0..4])?,
            number(&date_part[5..7])?,
            number(&date_part[8..10])?,
        ),
        8 => (
            number(&date_part[0..4])?,
            number(&date_part[4..6])?,
            number(&date_part[6..8])?,
        ),
        _ => return None,
    };
    // Split the zone off the time.
    let (time_part, zone) = match rest.find(['Z', 'z', '+', '-']) {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    };
    let offset_seconds: i32 = match zone {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let body = &zone[1..];
            let (hours, minutes) = match body.len() {
                2 => (number(body)?, 0),
                4 => (number(&body[0..2])?, number(&body[2..4])?),
                5 if body.as_bytes()[2] == b':' => (number(&body[0..2])?, number(&body[3..5])?),
                _ => return None,
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            if sign < 0 && hours == 0 && minutes == 0 {
                // RFC 3339 §4.3: -00:00 means "offset unknown"; ISO 8601 forbids it.
                return None;
            }
            sign * (hours as i32 * 3600 + minutes as i32 * 60)
        }
    };
    // Time: hh:mm[:ss[.f]] or hhmm[ss[.f]]; the fraction separator is '.' or ','.
    let (clock, fraction) = match time_part.find(['.', ',']) {
        Some(at) => (&time_part[..at], Some(&time_part[at + 1..])),
        None => (time_part, None),
    };
    let (hour, minute, second) = match clock.len() {
        8 if clock.as_bytes()[2] == b':' && clock.as_bytes()[5] == b':' => (
            number(&clock[0..2])?,
            number(&clock[3..5])?,
            number(&clock[6..8])?,
        ),
        5 if clock.as_bytes()[2] == b':' && fraction.is_none() => {
            (number(&clock[0..2])?, number(&clock[3..5])?, 0)
        }
        6 => (
            number(&clock[0..2])?,
            number(&clock[2..4])?,
            number(&clock[4..6])?,
        ),
        4 if fraction.is_none() => (number(&clock[0..2])?, number(&clock[2..4])?, 0),
        _ => return None,
    };
    // Extended and basic formats are not mixed.
    let extended_date = date_part.len() == 10;
    let extended_time = clock.contains(':');
    if extended_date != extended_time {
        return None;
    }
    let nanos = match fraction {
        None => 0,
        Some(digits) => {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let kept = &digits[..digits.len().min(9)];
            number(kept)? * 10u32.pow(9 - kept.len() as u32)
        }
    };
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()?;
    let time = Time::from_hms_nano(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        nanos,
    )
    .ok()?;
    let offset = UtcOffset::from_whole_seconds(offset_seconds).ok()?;
    let at = PrimitiveDateTime::new(date, time).assume_offset(offset);
    Some(at.to_offset(UtcOffset::UTC))
}

/// An ISO 8601:2004 §4.4.3.2 duration (Data 4.6), kept as sent: `PnYnMnDTnHnMnS` with any
/// components omitted but at least one present, or `PnW` alone. The alternative format
/// (`P0003-01-29T…`) and negative durations are refused. A decimal fraction (`.` or `,`) is
/// allowed on the last component only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Duration(String);

impl Duration {
    /// Checks `text` as a duration.
    pub fn parse(text: &str, path: &str) -> Result<Self> {
        if is_duration(text) {
            Ok(Duration(text.to_string()))
        } else {
            Err(XapiError::bad_request(
                path,
                format!("{text:?} is not an ISO 8601 duration (e.g. PT1H30M5.25S, P3Y, P4W)"),
            ))
        }
    }

    /// From a JSON value, which must be a string.
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        Self::parse(text(value, path)?, path)
    }

    /// The duration as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The duration with its seconds truncated to 0.01 s, the precision Data 4.6 says
    /// comparisons use ("any precision beyond 0.01 second precision SHOULD NOT be included in
    /// the comparison").
    pub fn comparison_form(&self) -> String {
        let text = &self.0;
        let Some(body) = text.strip_suffix('S') else {
            return text.clone();
        };
        let Some(separator) = body.rfind(['.', ',']) else {
            return text.clone();
        };
        let fraction = &body[separator + 1..];
        let mut kept: String = fraction.chars().take(2).collect();
        while kept.len() < 2 {
            kept.push('0');
        }
        format!("{}.{kept}S", &body[..separator])
    }
}

fn is_duration(text: &str) -> bool {
    let Some(body) = text.strip_prefix('P') else {
        return false;
    };
    if body.is_empty() {
        return false;
    }
    let (date, time) = match body.split_once('T') {
        Some((date, time)) => {
            if time.is_empty() {
                return false;
            }
            (date, Some(time))
        }
        None => (body, None),
    };
    // Weeks stand alone.
    if date.ends_with('W') {
        return time.is_none() && components(date, &['W']) == Some(1);
    }
    let Some(date_count) = components(date, &['Y', 'M', 'D']) else {
        return false;
    };
    let time_count = match time {
        None => 0,
        Some(time) => match components(time, &['H', 'M', 'S']) {
            Some(0) | None => return false,
            Some(count) => count,
        },
    };
    if date_count + time_count == 0 {
        return false;
    }
    // A fraction only on the very last component.
    let fraction_positions: Vec<usize> = body.match_indices(['.', ',']).map(|(at, _)| at).collect();
    match fraction_positions.as_slice() {
        [] => true,
        [at] => {
            let tail = &body[*at + 1..];
            let (digits, designator) = tail.split_at(tail.len().saturating_sub(1));
            !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && designator.len() == 1
                && designator.as_bytes()[0].is_ascii_uppercase()
        }
        _ => false,
    }
}

/// Counts `<number><designator>` pairs in `text`, designators in the given order, each at most
/// once; `None` if `text` is anything else.
fn components(text: &str, designators: &[char]) -> Option<usize> {
    let mut count = 0;
    let mut next_designator = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .unwrap_or(rest.len());
        let number = &rest[..digits_end];
        if number.is_empty() || !number.as_bytes()[0].is_ascii_digit() {
            return None;
        }
        if number.ends_with(['.', ',']) || number.matches(['.', ',']).count() > 1 {
            return None;
        }
        let designator = rest[digits_end..].chars().next()?;
        let position = designators[next_designator..]
            .iter()
            .position(|d| *d == designator)?;
        next_designator += position + 1;
        count += 1;
        rest = &rest[digits_end + designator.len_utf8()..];
    }
    Some(count)
}

/// A `mailto:` IRI naming one e-mail address (the `mbox` IFI).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Mbox(String);

impl Mbox {
    /// Checks `text` as `mailto:local@domain`.
    pub fn parse(text: &str, path: &str) -> Result<Self> {
        let bad = |why: &str| {
            XapiError::bad_request(
                path,
                format!("must be a mailto IRI like mailto:name@example.com ({why})"),
            )
        };
        let Some(address) = text.strip_prefix("mailto:") else {
            return Err(bad("it does not start with mailto:"));
        };
        let Some((local, domain)) = address.rsplit_once('@') else {
            return Err(bad("the address has no @"));
        };
        if local.is_empty() || domain.is_empty() || domain.contains('@') && !local.contains('"') {
            return Err(bad("the address needs a name and a domain"));
        }
        if address.chars().any(|c| c.is_whitespace() || c.is_control()) || address.contains('?') {
            return Err(bad("the address may not contain spaces or a query"));
        }
        if oxiri::Iri::parse(text).is_err() {
            return Err(bad("it is not a valid IRI"));
        }
        Ok(Mbox(text.to_string()))
    }

    /// The IRI as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form compared when matching agents: the domain lower-cased (domains are case
    /// insensitive; the local part formally is not).
    pub fn comparison_form(&self) -> String {
        match self.0.rsplit_once('@') {
            Some((local, domain)) => format!("{local}@{}", domain.to_ascii_lowercase()),
            None => self.0.clone(),
        }
    }
}

/// Exactly `length` hex digits; the error says what was expected.
pub(crate) fn hex_of_length(
    text: &str,
    lengths: &[usize],
    path: &str,
    what: &str,
) -> Result<String> {
    if lengths.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text.to_string())
    } else {
        Err(XapiError::bad_request(
            path,
            format!("must be {what}, not {text:?}"),
        ))
    }
}

/// An Internet media type `type/subtype` with optional parameters (RFC 2046 / RFC 6838
/// token syntax).
pub(crate) fn media_type(text: &str, path: &str) -> Result<String> {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    let essence = text.split(';').next().unwrap_or("").trim();
    match essence.split_once('/') {
        Some((kind, subtype)) if token(kind) && token(subtype) => Ok(text.to_string()),
        _ => Err(XapiError::bad_request(
            path,
            format!("must be an Internet media type like application/pdf, not {text:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_extended_and_basic_format_with_zones() {
        for (input, utc) in [
            ("2008-09-15T15:53:00.601+00:00", "2008-09-15T15:53:00.601Z"),
            ("2023-05-04T12:00:00-05:00", "2023-05-04T17:00:00.000Z"),
            ("2013-05-18T05:32:34.804Z", "2013-05-18T05:32:34.804Z"),
            (
                "2013-05-18T05:32:34.80412345678Z",
                "2013-05-18T05:32:34.804123456Z",
            ),
            ("2013-05-18T05:32:34Z", "2013-05-18T05:32:34.000Z"),
            ("2013-05-18T05:32Z", "2013-05-18T05:32:00.000Z"),
            ("20130518T053234Z", "2013-05-18T05:32:34.000Z"),
            ("20130518T053234.5+0800", "2013-05-17T21:32:34.500Z"),
            ("2013-05-18T05:32:34+08", "2013-05-17T21:32:34.000Z"),
            ("2013-05-18T05:32:34,25Z", "2013-05-18T05:32:34.250Z"),
            ("2013-05-18T05:32:34.804", "2013-05-18T05:32:34.804Z"),
            ("2024-02-29T23:59:59.999-12:00", "2024-03-01T11:59:59.999Z"),
        ] {
            let parsed = Timestamp::parse(input, "timestamp").unwrap();
            assert_eq!(parsed.to_rfc3339(), utc, "{input}");
        }
    }

    #[test]
    fn malformed_timestamps_are_refused() {
        for input in [
            "",
            "should fail",
            "01/011/2015",
            "2008-09-15",
            "2008-09-15T15:53:00.601-00",
            "2008-09-15T15:53:00.601-0000",
            "2008-09-15T15:53:00.601-00:00",
            "2008-13-15T15:53:00Z",
            "2023-02-29T00:00:00Z",
            "2008-09-15T24:00:00Z",
            "2008-09-15T15:60:00Z",
            "2008-09-15T15:53:00.Z",
            "2008-09-15 15:53:00Z",
            "2008-09-15T15:53:00+25:00",
            "2008-09-15T155300Z",
            "20080915T15:53:00Z",
            "2008-09-15T15:53:00ZZ",
            "+2008-09-15T15:53:00Z",
            "2008-09-15T15:53:00+05:0",
            "２００８-09-15T15:53:00Z",
        ] {
            assert!(Timestamp::parse(input, "timestamp").is_err(), "{input}");
        }
    }

    #[test]
    fn durations_of_section_4_4_3_2() {
        for input in [
            "PT1H0M0.1S",
            "PT4H35M59.14S",
            "PT16559.14S",
            "P3Y1M29DT4H35M59.14S",
            "P3Y",
            "P4W",
            "P1DT12H36M0.12567S",
            "PT0S",
            "P1M",
            "PT1M",
            "P1Y2M",
            "PT0,5S",
            "PT1.5H",
        ] {
            assert!(Duration::parse(input, "d").is_ok(), "{input}");
        }
        for input in [
            "",
            "P",
            "PT",
            "PA1H0M0S",
            "should fail",
            "P4W1D",
            "P1DT",
            "PT1H1H",
            "PT1S1M",
            "P1.5Y2M",
            "-PT1S",
            "P0003-01-29T04:35:59",
            "1H",
            "PT.5S",
            "PT1.S",
            "PT1.2.3S",
            "P1D1Y",
            "pt1s",
            "PT1H ",
            "P4WT1H",
        ] {
            assert!(Duration::parse(input, "d").is_err(), "{input}");
        }
    }

    #[test]
    fn durations_compare_at_hundredths() {
        let full = Duration::parse("P1DT12H36M0.1237S", "d").unwrap();
        let short = Duration::parse("P1DT12H36M0.12S", "d").unwrap();
        assert_eq!(full.comparison_form(), short.comparison_form());
        let whole = Duration::parse("PT5S", "d").unwrap();
        assert_eq!(whole.comparison_form(), "PT5S");
        let tenth = Duration::parse("PT5.1S", "d").unwrap();
        assert_eq!(tenth.comparison_form(), "PT5.10S");
    }

    #[test]
    fn uuids_in_standard_form_are_lower_cased() {
        let id = Uuid::parse("AA97B177-9383-4934-8543-0F91A7A02836", "id").unwrap();
        assert_eq!(id.as_str(), "aa97b177-9383-4934-8543-0f91a7a02836");
        for bad in [
            "AA97B177-9383-4934-8543-0F91A7A028368",
            "MA97B177-9383-4934-8543-0F91A7A02836",
            "aa97b1779383493485430f91a7a02836",
            "{aa97b177-9383-4934-8543-0f91a7a02836}",
            "",
        ] {
            assert!(Uuid::parse(bad, "id").is_err(), "{bad}");
        }
        let random = Uuid::from_random_bytes([0xff; 16]);
        assert!(Uuid::parse(random.as_str(), "id").is_ok());
        assert_eq!(&random.as_str()[14..15], "4");
    }

    #[test]
    fn mboxes_and_iris() {
        assert!(Mbox::parse("mailto:xapi@adlnet.gov", "mbox").is_ok());
        for bad in [
            "xapi@adlnet.gov",
            "mailto:",
            "mailto:xapi",
            "mailto:@adlnet.gov",
            "mailto:a b@c.d",
            "MAILTO:a@b.c",
        ] {
            assert!(Mbox::parse(bad, "mbox").is_err(), "{bad}");
        }
        assert_eq!(
            Mbox::parse("mailto:Ann@Example.COM", "m")
                .unwrap()
                .comparison_form(),
            "mailto:Ann@example.com"
        );
        assert!(Iri::parse("http://adlnet.gov/expapi/verbs/attended", "verb.id").is_ok());
        assert!(Iri::parse("urn:uuid:aa97b177-9383-4934-8543-0f91a7a02836", "x").is_ok());
        assert!(Iri::parse("http://例子.测试/学习", "x").is_ok());
        for bad in [
            "",
            "ab.cd",
            "should fail",
            "http://a b",
            "/relative/path",
            "http://[::1",
        ] {
            assert!(Iri::parse(bad, "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn media_types() {
        for good in [
            "application/json",
            "text/plain; charset=ascii",
            "application/octet-stream",
            "image/svg+xml",
        ] {
            assert!(media_type(good, "c").is_ok(), "{good}");
        }
        for bad in ["", "json", "application/", "/json", "a b/c"] {
            assert!(media_type(bad, "c").is_err(), "{bad}");
        }
    }
}
