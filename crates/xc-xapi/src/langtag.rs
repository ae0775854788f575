//! RFC 5646 language tags: the keys of language maps and `context.language`.
//!
//! The spec requires at least checking "the sequence of token lengths"; this checks the whole
//! well-formedness grammar of RFC 5646 §2.1 (language, extlang, script, region, variants,
//! extensions, private use, the grandfathered tags) plus the two validity rules that need no
//! registry (§2.2.5 and §2.2.6: no variant and no extension singleton twice; the 2.0 suite tests
//! `zh-z-aaa-z-bbb-c-ccc`). Whether a subtag is *registered* is not checked: that needs the IANA
//! registry, which changes, and the spec allows best-effort validation.

/// The irregular grandfathered tags (RFC 5646 §2.1), which do not follow the grammar.
const IRREGULAR: [&str; 17] = [
    "en-gb-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-be-fr",
    "sgn-be-nl",
    "sgn-ch-de",
];

fn alpha(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphabetic())
}
fn digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}
fn alnum(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether `tag` is a well-formed RFC 5646 language tag (case-insensitive).
pub fn is_well_formed(tag: &str) -> bool {
    if tag.is_empty() || tag.len() > 255 || !tag.is_ascii() {
        return false;
    }
    let lower = tag.to_ascii_lowercase();
    if IRREGULAR.contains(&lower.as_str()) {
        return true;
    }
    let subtags: Vec<&str> = lower.split('-').collect();
    if subtags
        .iter()
        .any(|s| s.is_empty() || s.len() > 8 || !alnum(s))
    {
        return false;
    }
    let mut at = 0;
    if subtags[0] == "x" {
        return private_use(&subtags[1..]);
    }
    // language
    let language = subtags[at];
    if !alpha(language) || !(2..=8).contains(&language.len()) {
        return false;
    }
    at += 1;
    if language.len() <= 3 {
        // up to three extlangs
        let mut extlangs = 0;
        while extlangs < 3 && at < subtags.len() && subtags[at].len() == 3 && alpha(subtags[at]) {
            at += 1;
            extlangs += 1;
        }
    }
    // script
    if at < subtags.len() && subtags[at].len() == 4 && alpha(subtags[at]) {
        at += 1;
    }
    // region
    if at < subtags.len() {
        let s = subtags[at];
        if (s.len() == 2 && alpha(s)) || (s.len() == 3 && digits(s)) {
            at += 1;
        }
    }
    // variants
    let mut variants: Vec<&str> = Vec::new();
    while at < subtags.len() {
        let s = subtags[at];
        let is_variant =
            (5..=8).contains(&s.len()) || (s.len() == 4 && s.as_bytes()[0].is_ascii_digit());
        if !is_variant {
            break;
        }
        if variants.contains(&s) {
            return false;
        }
        variants.push(s);
        at += 1;
    }
    // extensions
    let mut singletons: Vec<&str> = Vec::new();
    while at < subtags.len() && subtags[at].len() == 1 && subtags[at] != "x" {
        let singleton = subtags[at];
        if singletons.contains(&singleton) {
            return false;
        }
        singletons.push(singleton);
        at += 1;
        let start = at;
        while at < subtags.len() && (2..=8).contains(&subtags[at].len()) {
            at += 1;
        }
        if at == start {
            return false;
        }
    }
    if at < subtags.len() {
        if subtags[at] == "x" {
            return private_use(&subtags[at + 1..]);
        }
        return false;
    }
    true
}

fn private_use(rest: &[&str]) -> bool {
    !rest.is_empty() && rest.iter().all(|s| (1..=8).contains(&s.len()))
}

#[cfg(test)]
mod tests {
    use super::is_well_formed;

    #[test]
    fn well_formed_tags_from_the_spec_and_the_suite() {
        for tag in [
            "en",
            "de",
            "en-US",
            "de-DE",
            "zh-Hant",
            "zh-Hans-CN",
            "sr-Latn-RS",
            "sr-Cyrl",
            "cmn",
            "ase",
            "fr-CA",
            "es",
            "es-MX",
            "es-419",
            "ja",
            "zh-yue",
            "zh-yue-HK",
            "sl-rozaj",
            "sl-rozaj-biske",
            "de-CH-1901",
            "hy-Latn-IT-arevela",
            "en-US-u-islamcal",
            "zh-CN-a-myext-x-private",
            "x-whatever",
            "qaa-Qaaa-QM-x-southern",
            "i-klingon",
            "en-GB-oed",
            "zh-min-nan",
            "EN-us",
            "und",
        ] {
            assert!(is_well_formed(tag), "{tag}");
        }
    }

    #[test]
    fn malformed_tags_are_refused() {
        for tag in [
            "",
            "something",
            "a12345678",
            "e",
            "en-",
            "-en",
            "en--US",
            "en_US",
            "12",
            "en-US-",
            "zh-z-aaa-z-bbb-c-ccc",
            "de-419-DE",
            "a-DE",
            "ar-a-aaa-b-bbb-a-ccc",
            "x",
            "en-x",
            "de-1901-1901",
            "en-a",
            "en-US-x-toolongprivate",
            "中文",
            "en US",
            "abcdefghi-x-y",
        ] {
            assert!(!is_well_formed(tag), "{tag}");
        }
    }
}
