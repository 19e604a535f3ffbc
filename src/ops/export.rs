//! The `export` engine: every room of a store (or a filtered selection) to
//! an archive, streaming: the next scan batch is read while this one is
//! written, and rooms are made archive lines on every core, written in
//! order. A file is written atomically (a temporary file renamed into
//! place), so a failed export never leaves a partial archive under the
//! name.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::Path;

use anyhow::Context as _;
use rayon::prelude::*;

use super::{Progress, WRITE_BATCH};
use crate::archive::{self, ArchiveWriter, CompressedWriter, Compression, Format, Header};
use crate::atomic::AtomicFile;
use crate::exit::{ExitCode, fail};
use crate::filter::RoomFilter;
use crate::read_ahead::with_read_ahead;
use crate::select::missing_message;
use crate::store::{Entry, Lookup, ScanOptions, Store};

/// How an export runs.
#[derive(Debug, Clone)]
pub struct ExportOptions<'a> {
    pub format: Format,
    pub compression: Compression,
    /// The store the header names as the rooms' source (secrets redacted).
    pub source: String,
    /// Which rooms to export, judged at `now_ms`.
    pub filter: &'a RoomFilter,
    pub now_ms: i64,
    /// Only the rooms of these names (`--room`), in name order; every one
    /// must be there. Empty: every room.
    pub names: &'a BTreeSet<String>,
}

/// What an export did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExportReport {
    /// Entries scanned, selected by the filter or not, rooms or not.
    pub considered: u64,
    /// Rooms written to the archive.
    pub rooms: u64,
    /// Entries that are not readable rooms, left out (each named through
    /// the progress callback): the archive is not a complete backup.
    pub left_out: u64,
    /// The size of the archive as written (compressed, header and trailer
    /// included): the file's size, or what went to stdout.
    pub bytes: u64,
}

/// Exports to `path`, atomically; refuses an existing file unless `force`.
pub fn export_to_file(
    store: &dyn Store,
    options: &ExportOptions<'_>,
    path: &Path,
    force: bool,
    progress: &dyn Fn(Progress),
) -> anyhow::Result<ExportReport> {
    if path.exists() && !force {
        return Err(fail(
            ExitCode::Refused,
            format!(
                "{} exists; choose another name or pass --force",
                path.display()
            ),
        ));
    }
    // A named room that is not there refuses the export before the file
    // is created.
    let named = look_up_named(store, options)?;
    let mut file = AtomicFile::create(path, 0o600)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let report = write_archive(store, options, named, &mut file, progress)?;
    file.commit()?;
    Ok(report)
}

/// Exports to `sink` (stdout, a file), compressed as `options` say.
pub fn export(
    store: &dyn Store,
    options: &ExportOptions<'_>,
    sink: &mut dyn Write,
    progress: &dyn Fn(Progress),
) -> anyhow::Result<ExportReport> {
    let named = look_up_named(store, options)?;
    write_archive(store, options, named, sink, progress)
}

/// The named rooms (`options.names`) as the store holds them, in name
/// order; `None` when no name was given. Refused (exit 4) naming every
/// name the store lacks.
fn look_up_named(
    store: &dyn Store,
    options: &ExportOptions<'_>,
) -> anyhow::Result<Option<Vec<Entry>>> {
    if options.names.is_empty() {
        return Ok(None);
    }
    let names: Vec<&str> = options.names.iter().map(String::as_str).collect();
    let mut lookups = Vec::with_capacity(names.len());
    for chunk in names.chunks(WRITE_BATCH) {
        lookups.extend(store.get_batch(chunk)?);
    }
    let missing: Vec<&str> = names
        .iter()
        .zip(&lookups)
        .filter(|(_, lookup)| matches!(lookup, Lookup::Missing))
        .map(|(name, _)| *name)
        .collect();
    if !missing.is_empty() {
        return Err(fail(
            ExitCode::NotFound,
            missing_message(
                &missing,
                &options.source,
                "nothing was exported (roomctl list -o name shows the names there)",
            ),
        ));
    }
    // Something there that is not a readable room is left out and named,
    // as a scan would.
    Ok(Some(
        lookups
            .into_iter()
            .filter_map(|lookup| match lookup {
                Lookup::Found(room) => Some(Entry::Room(room)),
                Lookup::Problem(p) => Some(Entry::Problem(p)),
                Lookup::Missing => None,
            })
            .collect(),
    ))
}

/// Writes the archive: the `named` rooms, or every room a scan finds.
fn write_archive(
    store: &dyn Store,
    options: &ExportOptions<'_>,
    named: Option<Vec<Entry>>,
    sink: &mut dyn Write,
    progress: &dyn Fn(Progress),
) -> anyhow::Result<ExportReport> {
    let mut report = ExportReport::default();
    let header = Header::new(options.source.clone());
    let mut counted = CountingWriter::new(sink);
    let sink = CompressedWriter::new(&mut counted, options.compression)?;
    let mut writer = ArchiveWriter::new(sink, options.format, &header)?;
    // An archive carries the stored text; no filter needs the users.
    let scan = ScanOptions {
        skip_users: true,
        ..ScanOptions::default()
    };
    match named {
        Some(entries) => {
            for batch in entries.chunks(WRITE_BATCH) {
                write_entries(&mut writer, &mut report, batch, options, progress)?;
            }
        }
        None => with_read_ahead(store.scan(scan)?, |batches| {
            for batch in batches {
                write_entries(&mut writer, &mut report, &batch?, options, progress)?;
            }
            anyhow::Ok(())
        })?,
    }
    let (sink, _) = writer.finish()?;
    sink.finish()?.flush()?;
    report.bytes = counted.bytes;
    Ok(report)
}

/// A writer that counts the bytes that go through it: the archive's size
/// as written, also when it goes to stdout.
struct CountingWriter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> CountingWriter<W> {
    fn new(inner: W) -> Self {
        CountingWriter { inner, bytes: 0 }
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes the rooms of `batch` that pass the filter, made archive lines on
/// every core, in order; names and counts the entries left out.
fn write_entries<W: Write>(
    writer: &mut ArchiveWriter<W>,
    report: &mut ExportReport,
    batch: &[Entry],
    options: &ExportOptions<'_>,
    progress: &dyn Fn(Progress),
) -> anyhow::Result<()> {
    report.considered += batch.len() as u64;
    let lines: Vec<_> = batch
        .par_iter()
        .map(|entry| match entry {
            Entry::Room(room) if options.filter.matches(&room.facts, options.now_ms) => {
                Some(archive::compact_line_of(room))
            }
            _ => None,
        })
        .collect();
    for (entry, line) in batch.iter().zip(lines) {
        match entry {
            Entry::Room(room) => {
                let Some(line) = line else { continue };
                let line = line.with_context(|| room.location.clone())?;
                writer.write_valid_room(&line)?;
                report.rooms += 1;
                progress(Progress::Advance(1));
            }
            Entry::Problem(p) => {
                report.left_out += 1;
                progress(Progress::Warning(format!(
                    "left out {}: {}: {}",
                    p.location,
                    p.kind.label(),
                    p.reason
                )));
            }
        }
    }
    Ok(())
}
