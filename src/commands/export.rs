//! `roomctl export [FILE]`: every room of the store (or a filtered
//! selection) to an archive, streaming, written atomically.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use flate2::Compression;
use flate2::write::GzEncoder;

use super::Context;
use crate::archive::{self, ArchiveWriter, Format, Header};
use crate::atomic::AtomicFile;
use crate::exit::{ExitCode, fail};
use crate::filter::RoomFilter;
use crate::output::{self, safe};
use crate::store::{Entry, ScanOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the archive; `-` or nothing for stdout. A name ending
    /// in .gz is compressed.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Archive format [default: from the file name, else jsonl].
    #[arg(short, long, value_enum)]
    pub format: Option<ArchiveFormat>,

    /// Compress with gzip (implied by a .gz file name).
    #[arg(short = 'z', long)]
    pub compress: bool,

    /// Exit 0 even when entries that are not readable rooms were left out.
    #[arg(long)]
    pub skip_invalid: bool,

    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub filter: RoomFilter,
}

/// Archive formats (see the README's "Archive format").
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ArchiveFormat {
    /// JSON Lines: header, one room per line, trailer (streamable, jq-friendly).
    Jsonl,
    /// One JSON document with the same header and trailer.
    Json,
    /// YAML with the same header and trailer, for reading and hand-editing.
    Yaml,
}

impl From<ArchiveFormat> for Format {
    fn from(f: ArchiveFormat) -> Format {
        match f {
            ArchiveFormat::Jsonl => Format::Jsonl,
            ArchiveFormat::Json => Format::Json,
            ArchiveFormat::Yaml => Format::Yaml,
        }
    }
}

/// Picks the format and compression from flags and the file name.
fn format_of(args: &Args) -> (ArchiveFormat, bool) {
    let name = args
        .file
        .as_ref()
        .map(|p| p.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let gz = name.ends_with(".gz");
    let base = name.trim_end_matches(".gz");
    let guessed = if base.ends_with(".yaml") || base.ends_with(".yml") {
        ArchiveFormat::Yaml
    } else if base.ends_with(".json") {
        ArchiveFormat::Json
    } else {
        ArchiveFormat::Jsonl
    };
    (args.format.unwrap_or(guessed), args.compress || gz)
}

/// What an export did.
#[derive(Debug, Default, Clone, Copy)]
pub struct ExportCounts {
    pub rooms: u64,
    pub skipped: u64,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let (store, resolved) = ctx.open_store()?;
    let (format, compress) = format_of(&args);
    let header = Header::new(resolved.spec.redacted());
    let to_stdout = args.file.as_ref().is_none_or(|p| p.as_os_str() == "-");
    let now = args.filter.now_ms();
    let bar = ctx.ui.progress(None, "exporting");
    let mut counts = ExportCounts::default();
    let mut write_all = |sink: &mut dyn Write| -> anyhow::Result<()> {
        let sink = if compress {
            Sink::Gzip(GzEncoder::new(sink, Compression::fast()))
        } else {
            Sink::Plain(sink)
        };
        let mut writer = ArchiveWriter::new(sink, format.into(), &header)?;
        for batch in store.scan(ScanOptions::default())? {
            for entry in batch? {
                match entry {
                    Entry::Room(room) => {
                        if !args.filter.matches(&room.facts, now) {
                            continue;
                        }
                        let line = archive::compact_line(&room.bytes)
                            .with_context(|| format!("{}", room.location))?;
                        writer.write_room(&line)?;
                        counts.rooms += 1;
                        bar.inc(1);
                    }
                    Entry::Problem(p) => {
                        counts.skipped += 1;
                        bar.suspend(|| {
                            ctx.ui.warn(format!(
                                "left out {}: {}: {}",
                                safe(&p.location),
                                p.kind.label(),
                                safe(&p.reason)
                            ))
                        });
                    }
                }
            }
        }
        let (sink, _) = writer.finish()?;
        sink.finish()?;
        Ok(())
    };
    let target = if to_stdout {
        let mut out = output::stdout();
        write_all(&mut out)?;
        out.flush()?;
        "stdout".to_string()
    } else {
        let path = args.file.clone().unwrap_or_default();
        if path.exists() && !args.force {
            return Err(fail(
                ExitCode::Refused,
                format!("{} exists; choose another name or pass --force", path.display()),
            ));
        }
        let mut file = AtomicFile::create(&path, 0o600)
            .with_context(|| format!("cannot create {}", path.display()))?;
        write_all(&mut file)?;
        file.commit()?;
        path.display().to_string()
    };
    bar.finish_and_clear();
    ctx.ui.status(format!(
        "exported {} room{} to {}{}",
        counts.rooms,
        if counts.rooms == 1 { "" } else { "s" },
        target,
        if counts.skipped > 0 {
            format!(
                "; {} entries left out (backup INCOMPLETE{})",
                counts.skipped,
                if args.skip_invalid { ", accepted by --skip-invalid" } else { "" }
            )
        } else {
            String::new()
        }
    ));
    if counts.skipped > 0 && !args.skip_invalid {
        return Ok(ExitCode::Incomplete);
    }
    Ok(ExitCode::Success)
}

/// The archive's byte sink, compressed or not. A gzip stream must be
/// finished explicitly so that a failure to write its footer is seen.
enum Sink<W: Write> {
    Plain(W),
    Gzip(GzEncoder<W>),
}

impl<W: Write> Sink<W> {
    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Plain(mut w) => w.flush(),
            Sink::Gzip(gz) => gz.finish()?.flush(),
        }
    }
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
        }
    }
}
