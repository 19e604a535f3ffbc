//! The `export` engine: every room of a store (or a filtered selection) to
//! an archive, streaming: the next scan batch is read while this one is
//! written, and rooms are made archive lines on every core, written in
//! order. A file is written atomically (a temporary file renamed into
//! place), so a failed export never leaves a partial archive under the
//! name.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use rayon::prelude::*;

use super::Progress;
use crate::archive::{self, ArchiveWriter, CompressedWriter, Compression, Format, Header};
use crate::atomic::AtomicFile;
use crate::exit::{ExitCode, fail};
use crate::filter::RoomFilter;
use crate::read_ahead::with_read_ahead;
use crate::store::{Entry, ScanOptions, Store};

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
}

/// What an export did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExportReport {
    /// Rooms written to the archive.
    pub rooms: u64,
    /// Entries that are not readable rooms, left out (each named through
    /// the progress callback): the archive is not a complete backup.
    pub left_out: u64,
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
    let mut file = AtomicFile::create(path, 0o600)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let report = export(store, options, &mut file, progress)?;
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
    let mut report = ExportReport::default();
    let header = Header::new(options.source.clone());
    let sink = CompressedWriter::new(sink, options.compression)?;
    let mut writer = ArchiveWriter::new(sink, options.format, &header)?;
    // An archive carries the stored text; no filter needs the users.
    let scan = ScanOptions {
        skip_users: true,
        ..ScanOptions::default()
    };
    with_read_ahead(store.scan(scan)?, |batches| {
        for batch in batches {
            write_entries(&mut writer, &mut report, &batch?, options, progress)?;
        }
        anyhow::Ok(())
    })?;
    let (sink, _) = writer.finish()?;
    sink.finish()?.flush()?;
    Ok(report)
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
