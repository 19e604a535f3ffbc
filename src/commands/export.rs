//! `roomctl export [FILE]`: every room of the store (or a filtered
//! selection) to an archive, streaming, written atomically. The engine is
//! [`crate::ops::export`].

use std::io::Write;
use std::path::PathBuf;

use super::{Context, show_progress};
use crate::archive::{Compression, Format};
use crate::exit::ExitCode;
use crate::filter::RoomFilter;
use crate::ops::export::{self, ExportOptions};
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the archive; `-` or nothing for stdout. A name ending
    /// in .gz or .zst is compressed.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Archive format [default: from the file name, else jsonl].
    #[arg(short, long, value_enum)]
    pub format: Option<ArchiveFormat>,

    /// Compress: gzip (the default with a bare -z) or zstd. Implied by a
    /// .gz or .zst file name.
    #[arg(short = 'z', long, value_name = "ALGO", num_args = 0..=1, default_missing_value = "gzip", value_parser = ["gzip", "zstd"])]
    pub compress: Option<String>,

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
fn format_of(args: &Args) -> (ArchiveFormat, Compression) {
    let name = args
        .file
        .as_ref()
        .map(|p| p.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let by_name = if name.ends_with(".gz") {
        Compression::Gzip
    } else if name.ends_with(".zst") {
        Compression::Zstd
    } else {
        Compression::None
    };
    let compression = match args.compress.as_deref() {
        Some("zstd") => Compression::Zstd,
        Some(_) => Compression::Gzip,
        None => by_name,
    };
    let base = name.trim_end_matches(".gz").trim_end_matches(".zst");
    let guessed = if base.ends_with(".yaml") || base.ends_with(".yml") {
        ArchiveFormat::Yaml
    } else if base.ends_with(".json") {
        ArchiveFormat::Json
    } else {
        ArchiveFormat::Jsonl
    };
    (args.format.unwrap_or(guessed), compression)
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let now_ms = args.filter.checked_now_ms()?;
    let (store, resolved) = ctx.open_store()?;
    let (format, compression) = format_of(&args);
    let options = ExportOptions {
        format: format.into(),
        compression,
        source: resolved.spec.redacted(),
        filter: &args.filter,
        now_ms,
    };
    let bar = ctx.ui.progress(None, "exporting");
    let progress = show_progress(&ctx.ui, &bar);
    let (report, target) = match args.file.as_ref().filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            let report =
                export::export_to_file(store.as_ref(), &options, path, args.force, &progress)?;
            (report, path.display().to_string())
        }
        None => {
            let mut out = output::stdout();
            let report = export::export(store.as_ref(), &options, &mut out, &progress)?;
            out.flush()?;
            (report, "stdout".to_string())
        }
    };
    bar.finish_and_clear();
    let left_out = match report.left_out {
        0 => String::new(),
        n => format!(
            "; {n} entries left out (backup INCOMPLETE{})",
            if args.skip_invalid {
                ", accepted by --skip-invalid"
            } else {
                ""
            }
        ),
    };
    ctx.ui.status(format!(
        "exported {} room{} to {target}{left_out}",
        report.rooms,
        if report.rooms == 1 { "" } else { "s" },
    ));
    if report.left_out > 0 && !args.skip_invalid {
        return Ok(ExitCode::Incomplete);
    }
    Ok(ExitCode::Success)
}
