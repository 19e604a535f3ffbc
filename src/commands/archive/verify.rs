//! `roomctl archive verify FILE…`: is this backup good?

use std::io::Write;
use std::path::PathBuf;

use super::open_input;
use crate::commands::Context;
use crate::exit::{ExitCode, fail};
use crate::ops::archive_input::STDIN;
use crate::ops::archive_verify::{self, Verdict, Verification};
use crate::output::{self, DocFormat, safe};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The archives to check; `-` for stdin. Compression is detected from
    /// the content.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Output format: one line per archive, or a JSON/YAML list (on stdout).
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    if args.files.iter().filter(|f| f.as_os_str() == STDIN).count() > 1 {
        return Err(fail(
            ExitCode::Usage,
            "stdin (-) is named more than once; it can be read only once",
        ));
    }
    let mut out = output::stdout();
    let mut verified: Vec<Verification> = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let v = archive_verify::verify(&open_input(file)?);
        if args.output == DocFormat::Text {
            // One line as each archive is done: a long run shows progress.
            writeln!(out, "{}", line(&v))?;
            out.flush()?;
        }
        verified.push(v);
    }
    match args.output {
        DocFormat::Json => output::write_json(&mut out, &verified)?,
        DocFormat::Yaml => output::write_yaml(&mut out, &verified)?,
        DocFormat::Text => {}
    }
    out.flush()?;
    let damaged: Vec<&Verification> = verified
        .iter()
        .filter(|v| v.verdict == Verdict::Damaged)
        .collect();
    let Some(first) = damaged.first() else {
        ctx.ui.status(match verified.len() {
            1 => "the archive is good".to_string(),
            n => format!("all {n} archives are good"),
        });
        return Ok(ExitCode::Success);
    };
    ctx.ui.warn(format!(
        "{} of {} damaged; the first, {}: {}",
        damaged.len(),
        match verified.len() {
            1 => "1 archive".to_string(),
            n => format!("{n} archives"),
        },
        safe(&first.file),
        safe(first.problem.as_ref().map_or("", |p| p.placed.as_str())),
    ));
    Ok(ExitCode::BadInput)
}

/// `FILE: ok: 3 rooms, 1.2 KiB, created …, from …` or
/// `FILE: damaged: line 4: … (1.2 KiB, created …, from …)`.
fn line(v: &Verification) -> String {
    let mut about: Vec<String> = Vec::new();
    if let Some(size) = v.size {
        about.push(output::bytes(size));
    }
    if let Some(created) = &v.created_at {
        about.push(format!("created {}", safe(created)));
    }
    if let Some(source) = &v.source {
        about.push(format!("from {}", safe(source)));
    }
    match &v.problem {
        None => {
            let rooms = v.rooms.unwrap_or_default();
            about.insert(
                0,
                format!("{rooms} room{}", if rooms == 1 { "" } else { "s" }),
            );
            if !v.checksummed {
                about.push(format!(
                    "{} with no count or checksum: its rooms are sound, whether any are missing cannot be told",
                    match v.kind {
                        Some("roomArray") => "a plain room array",
                        _ => "plain room documents",
                    }
                ));
            }
            format!("{}: ok: {}", safe(&v.file), about.join(", "))
        }
        Some(problem) => {
            let about = if about.is_empty() {
                String::new()
            } else {
                format!(" ({})", about.join(", "))
            };
            format!(
                "{}: damaged: {}{about}",
                safe(&v.file),
                safe(&problem.placed)
            )
        }
    }
}
