//! The YAML form. serde_yaml parses a whole document before any of it is
//! handed out, so the archive is read into memory; each room becomes
//! compact JSON as it is met, which is smaller than a tree of values.

use std::cell::Cell;
use std::fmt;
use std::io::Read;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::format::{HeaderFields, MARKER, trailer_from_value};
use super::input::Input;
use super::read::{Body, Source};
use super::{ArchiveError, ArchiveErrorKind, Format};
use crate::room::shorten;

/// The largest YAML archive (decompressed) the reader takes. serde_yaml
/// parses a whole document before handing out any of it, so a YAML archive
/// is held in memory whole, several times over while it is parsed; without
/// a limit a small compressed file (or any large file that is not JSON,
/// which is tried as YAML) could take all the memory there is.
pub(super) const MAX_YAML_BYTES: usize = if cfg!(test) { 1 << 20 } else { 1 << 30 };

impl Source {
    pub(super) fn open_yaml(&mut self, mut input: Input) -> Result<(), ArchiveError> {
        let mut text = Vec::new();
        (&mut input.reader)
            .take(MAX_YAML_BYTES as u64 + 1)
            .read_to_end(&mut text)
            .map_err(|e| ArchiveError::io(None, "cannot read", e))?;
        if text.len() > MAX_YAML_BYTES {
            return Err(ArchiveError::invalid(
                None,
                format!(
                    "not JSON, and too large for a YAML archive (over {} MiB; YAML is read into memory whole, so export big stores as jsonl)",
                    MAX_YAML_BYTES >> 20
                ),
            ));
        }
        let (doc, dropped_last) = parse_yaml(&text)?;
        drop(text);
        match doc.marker.as_ref().map(|m| m.as_str()) {
            Some(Some("archive")) => {}
            Some(_) => {
                let marker = doc.marker.unwrap_or(Value::Null);
                return Err(ArchiveError::invalid(
                    None,
                    format!("not a roomctl archive ({MARKER:?}: {marker})"),
                ));
            }
            None => {
                return Err(ArchiveError::invalid(
                    None,
                    format!("not a roomctl archive (a YAML document without {MARKER:?}: archive)"),
                ));
            }
        }
        let mut fields = HeaderFields::default();
        for (key, value) in doc.header {
            fields.set(&key, value, None)?;
        }
        self.header = Some(fields.finish(None)?);
        let trailer = doc
            .trailer
            .map(|value| trailer_from_value(value, None))
            .transpose()?;
        self.dropped_last = dropped_last;
        self.format = Format::Yaml;
        self.body = Body::Yaml {
            rooms: doc.rooms.into_iter(),
            trailer,
        };
        Ok(())
    }
}

/// Parses a YAML archive. Without a trailer the document may have been cut,
/// and YAML cut inside the last room often still parses, as a shorter room,
/// or fails to parse at all: so the last room is left out (the `bool`), by
/// parsing again up to the line where it starts. Rooms are list items at
/// column 0 (`- `) in the layout the writer uses, and nothing inside a room
/// can start a line there.
fn parse_yaml(text: &[u8]) -> Result<(YamlArchive, bool), ArchiveError> {
    let first = YamlArchive::parse(text);
    let maybe_cut = match &first {
        Ok(doc) => doc.trailer.is_none() && !doc.rooms.is_empty(),
        Err(e) => e.message.contains("end of stream"),
    };
    if maybe_cut {
        let last_item = text.windows(3).rposition(|w| w == b"\n- ");
        if let Some(at) = last_item
            && let Ok(doc) = YamlArchive::parse(&text[..=at])
            && doc.trailer.is_none()
        {
            return Ok((doc, true));
        }
    }
    match first {
        // A layout this writer does not produce: leave the last room out all
        // the same.
        Ok(mut doc) if maybe_cut => {
            doc.rooms.pop();
            Ok((doc, true))
        }
        other => other.map(|doc| (doc, false)),
    }
}

struct YamlArchive {
    marker: Option<Value>,
    header: Vec<(String, Value)>,
    rooms: Vec<Vec<u8>>,
    trailer: Option<Value>,
}

impl YamlArchive {
    fn parse(text: &[u8]) -> Result<YamlArchive, ArchiveError> {
        let failed_room = Cell::new(None);
        let seed = YamlSeed {
            failed_room: &failed_room,
        };
        seed.deserialize(serde_yaml::Deserializer::from_slice(text))
            .map_err(|e| {
                let line = e.location().map(|l| l.line());
                let room = failed_room.get();
                let message = match room {
                    Some(_) => format!("cannot read this room ({e})"),
                    None if text.iter().take(1024).any(|&b| b == 0) => {
                        "not an archive, a room array or a room document (binary data)".to_string()
                    }
                    None => format!("not a roomctl archive ({e})"),
                };
                ArchiveError {
                    kind: ArchiveErrorKind::Invalid,
                    line,
                    room,
                    message: shorten(message),
                    source: None,
                }
            })
    }
}

/// Deserialises the archive mapping; notes which room failed, if one did.
struct YamlSeed<'c> {
    failed_room: &'c Cell<Option<usize>>,
}

impl<'de> DeserializeSeed<'de> for YamlSeed<'_> {
    type Value = YamlArchive;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<YamlArchive, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for YamlSeed<'_> {
    type Value = YamlArchive;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a roomctl archive mapping")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<YamlArchive, A::Error> {
        let mut doc = YamlArchive {
            marker: None,
            header: Vec::new(),
            rooms: Vec::new(),
            trailer: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                MARKER => doc.marker = Some(map.next_value()?),
                "rooms" => {
                    doc.rooms = map.next_value_seed(YamlRooms {
                        failed_room: self.failed_room,
                    })?
                }
                "trailer" => doc.trailer = Some(map.next_value()?),
                "version" | "createdAt" | "source" | "tool" => {
                    doc.header.push((key, map.next_value()?))
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(doc)
    }
}

struct YamlRooms<'c> {
    failed_room: &'c Cell<Option<usize>>,
}

impl<'de> DeserializeSeed<'de> for YamlRooms<'_> {
    type Value = Vec<Vec<u8>>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for YamlRooms<'_> {
    type Value = Vec<Vec<u8>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of rooms")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<Vec<u8>>, E> {
        Ok(Vec::new())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Vec<u8>>, A::Error> {
        let mut rooms = Vec::new();
        loop {
            self.failed_room.set(Some(rooms.len() + 1));
            match seq.next_element::<Value>()? {
                // Serialising a JSON value cannot fail.
                Some(value) => rooms.push(serde_json::to_vec(&value).unwrap_or_default()),
                None => break,
            }
        }
        self.failed_room.set(None);
        Ok(rooms)
    }
}
