//! A strict reader of the Prometheus text exposition format (0.0.4), as
//! node_exporter's textfile collector reads a `*.prom` file: the grammar of
//! the format's specification (docs/instrumenting/exposition_formats.md in
//! the Prometheus documentation), with the rules of the Go parser that
//! node_exporter uses (expfmt.TextParser) and of the collector itself.
//! Anything it does not accept is an error naming the line, never skipped.
//!
//! Checked: every line ends with `\n`; `# HELP name text` (escapes `\\`,
//! `\n` only) and `# TYPE name type` at most once per family, before its
//! samples; all lines of a family in one group; metric and label names;
//! label values in double quotes with the escapes `\\`, `\"`, `\n` only; no
//! label given twice; a value Go's ParseFloat reads (`NaN`, `+Inf`, …); no
//! series twice; and, for the textfile collector, no timestamps. Histograms
//! and summaries are not read (roomctl writes gauges only).

use std::collections::BTreeMap;

/// One metric family.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub name: String,
    pub help: Option<String>,
    pub kind: Option<String>,
    pub samples: Vec<Sample>,
}

/// One sample: its labels and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// The parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposition {
    pub families: Vec<Family>,
}

impl Exposition {
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.name == name)
    }

    /// The value of the only sample of `name`; panics when there is none
    /// or more than one.
    pub fn value(&self, name: &str) -> f64 {
        let family = self
            .family(name)
            .unwrap_or_else(|| panic!("no metric {name} in {self:#?}"));
        assert_eq!(family.samples.len(), 1, "one sample of {name}");
        family.samples[0].value
    }

    /// The labels of every sample, which must be the same in all of them.
    pub fn labels(&self) -> BTreeMap<String, String> {
        let mut all = self.families.iter().flat_map(|f| &f.samples);
        let first = all.next().expect("a sample").labels.clone();
        for s in all {
            assert_eq!(s.labels, first, "the same labels on every sample");
        }
        first
    }
}

/// Parses `text`, or says which line breaks which rule.
pub fn parse(text: &str) -> Result<Exposition, String> {
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("the last line does not end with a newline".into());
    }
    let mut families: Vec<Family> = Vec::new();
    let mut series = std::collections::HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let err = |why: String| format!("line {n}: {why}: {line:?}");
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim_start_matches([' ', '\t']);
            let (keyword, rest) = split_token(comment);
            if keyword != "HELP" && keyword != "TYPE" {
                continue; // a plain comment
            }
            let rest = rest.trim_start_matches([' ', '\t']);
            let (name, text) = split_token(rest);
            if !is_metric_name(name) {
                return Err(err(format!("bad metric name {name:?}")));
            }
            let text = text.strip_prefix([' ', '\t']).unwrap_or(text);
            let family = family_for(&mut families, name).map_err(err)?;
            if keyword == "HELP" {
                if family.help.is_some() {
                    return Err(err("second HELP line".into()));
                }
                family.help = Some(unescape(text).map_err(err)?);
            } else {
                if family.kind.is_some() || !family.samples.is_empty() {
                    return Err(err("second TYPE line, or TYPE after samples".into()));
                }
                let kind = text.trim_end_matches([' ', '\t']);
                if ["histogram", "summary"].contains(&kind) {
                    // Their samples are named `NAME_bucket`, `NAME_sum`, …:
                    // roomctl writes gauges only, so this reader stops here.
                    return Err(err(format!("{kind} is not read here")));
                }
                if !["counter", "gauge", "untyped"].contains(&kind) {
                    return Err(err(format!("unknown type {kind:?}")));
                }
                family.kind = Some(kind.to_string());
            }
            continue;
        }
        let sample = parse_sample(line).map_err(err)?;
        let family = family_for(&mut families, &sample.name).map_err(err)?;
        if !series.insert((sample.name.clone(), sample.labels.clone())) {
            return Err(err("the same series twice".into()));
        }
        family.samples.push(sample);
    }
    Ok(Exposition { families })
}

/// The family a line about `name` belongs to: the current one, or a new
/// one; a family met again after another is an error.
fn family_for<'a>(families: &'a mut Vec<Family>, name: &str) -> Result<&'a mut Family, String> {
    let current = families.last().map(|f| f.name.as_str());
    if current != Some(name) {
        if families.iter().any(|f| f.name == name) {
            return Err(format!("lines of {name} not in one group"));
        }
        families.push(Family {
            name: name.to_string(),
            help: None,
            kind: None,
            samples: Vec::new(),
        });
    }
    Ok(families.last_mut().expect("a family"))
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let name = &line[..end];
    if !is_metric_name(name) {
        return Err(format!("bad metric name {name:?}"));
    }
    let mut rest = &line[end..];
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = after;
        loop {
            rest = rest.trim_start_matches([' ', '\t']);
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .ok_or("unterminated label set")?;
            let label = &rest[..end];
            if !is_label_name(label) {
                return Err(format!("bad label name {label:?}"));
            }
            rest = rest[end..].trim_start_matches([' ', '\t']);
            rest = rest
                .strip_prefix('=')
                .ok_or(format!("no = after label {label}"))?;
            rest = rest.trim_start_matches([' ', '\t']);
            rest = rest
                .strip_prefix('"')
                .ok_or(format!("label {label}'s value is not quoted"))?;
            let (value, after) = quoted(rest)?;
            if labels.insert(label.to_string(), value).is_some() {
                return Err(format!("label {label} given twice"));
            }
            rest = after.trim_start_matches([' ', '\t']);
            if let Some(after) = rest.strip_prefix(',') {
                rest = after;
            } else if !rest.starts_with('}') {
                return Err("expected , or } in the label set".into());
            }
        }
    }
    if !rest.starts_with([' ', '\t']) {
        return Err("no blank before the value".into());
    }
    let mut fields = rest.split([' ', '\t']).filter(|f| !f.is_empty());
    let value = fields.next().ok_or("no value")?;
    let value = parse_go_float(value).ok_or(format!("bad value {value:?}"))?;
    if let Some(timestamp) = fields.next() {
        timestamp
            .parse::<i64>()
            .map_err(|_| format!("bad timestamp {timestamp:?}"))?;
        return Err("a timestamp, which node_exporter's textfile collector refuses".into());
    }
    if fields.next().is_some() {
        return Err("text after the value".into());
    }
    Ok(Sample {
        name: name.to_string(),
        labels,
        value,
    })
}

/// A label value after its opening quote: the value, and what follows the
/// closing quote.
fn quoted(s: &str) -> Result<(String, &str), String> {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &s[i + 1..])),
            '\\' => match chars.next() {
                Some((_, '\\')) => value.push('\\'),
                Some((_, '"')) => value.push('"'),
                Some((_, 'n')) => value.push('\n'),
                other => return Err(format!("invalid escape \\{:?} in a label value", other)),
            },
            '\n' => return Err("a newline in a label value".into()),
            c => value.push(c),
        }
    }
    Err("unterminated label value".into())
}

/// HELP text: `\\` and `\n` are the only escapes.
fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                other => return Err(format!("invalid escape \\{other:?} in HELP")),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

fn split_token(s: &str) -> (&str, &str) {
    let end = s.find([' ', '\t']).unwrap_or(s.len());
    (&s[..end], &s[end..])
}

fn is_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with("__")
}

/// What Go's strconv.ParseFloat accepts that matters here: decimal and
/// exponent forms, and NaN and ±Inf in any case.
fn parse_go_float(s: &str) -> Option<f64> {
    let unsigned = s.trim_start_matches(['+', '-']);
    match unsigned.to_ascii_lowercase().as_str() {
        "nan" | "inf" | "infinity" => {
            let v = if unsigned.eq_ignore_ascii_case("nan") {
                f64::NAN
            } else {
                f64::INFINITY
            };
            return Some(if s.starts_with('-') { -v } else { v });
        }
        _ => {}
    }
    let ok = !unsigned.is_empty()
        && unsigned
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'));
    if !ok {
        return None;
    }
    s.replace('_', "").parse().ok()
}
