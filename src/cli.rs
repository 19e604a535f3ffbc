//! The command line: one clap derive tree whose doc comments are the help.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands;

/// Administer the rooms of a MovieMatch server.
///
/// roomctl lists, shows, deletes, exports, imports, migrates and prunes the
/// rooms a MovieMatch server keeps, working directly on its room files or
/// Redis keys, in exactly the layout the server uses.
#[derive(Debug, Parser)]
#[command(
    name = "roomctl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Store names: a directory or file:PATH, redis://[user:pass@]host:port/db, \
rediss://… (TLS), redis+cluster://host:port[,host:port…] (rediss+cluster:// for TLS), memory:.\n\
Without --store, roomctl reads STORAGE_TYPE, STORAGE_PATH, REDIS_URL, VALKEY_HOST, \
VALKEY_PORT, VALKEY_PASSWORD, REDIS_DB, then ./config.yaml, then uses file:./data/rooms."
)]
pub struct Cli {
    /// Say nothing on stderr but warnings and errors.
    // Shown after each command's own options.
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        display_order = 900
    )]
    pub quiet: bool,

    /// Say more on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, display_order = 901)]
    pub verbose: u8,

    /// The store options may also come before the command
    /// (`roomctl -s DIR list`); given after it, they win. Last of the
    /// fields: it sets the help heading of what follows.
    #[command(flatten)]
    pub store: StoreArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the rooms of a store.
    #[command(visible_alias = "ls")]
    List(commands::list::Args),
    /// Show everything about one room.
    Show(commands::show::Args),
    /// Sum up a store or an archive: counts, sizes, idle ages, top creators.
    ///
    /// One pass over the store (the same scan as list) in bounded memory:
    /// rooms, invalid entries by kind, entries that are not rooms, total and
    /// median size as stored, rooms with a password, users, ratings and
    /// matches; a histogram of idle age (last activity as list derives it);
    /// how many rooms prune-inactive --older-than 7d, 30d, 90d and 365d would
    /// delete (decided exactly as prune decides); the creators with the most
    /// rooms. -o json|yaml prints the documented shape of docs/stats.md.
    Stats(commands::stats::Args),
    /// Delete rooms by name.
    #[command(visible_alias = "rm")]
    Delete(commands::delete::Args),
    /// Write every room (or a selection) to a backup archive.
    Export(commands::export::Args),
    /// Restore rooms from an archive, never clobbering by surprise.
    Import(commands::import::Args),
    /// Verify a backup archive, or list and show its rooms, without a store.
    Archive(commands::archive::Args),
    /// Check a store for problems; repair the safe ones with --fix.
    ///
    /// Reports every problem, one line each with the file or key and what to
    /// do: invalid or malformed rooms, misnamed files, name collisions, stale
    /// temporary files, symlinks, unreadable files, keys that are not rooms
    /// or carry a TTL (the last two for information only).
    ///
    /// Exits 0 when the store is healthy (info-level findings do not count)
    /// and 3 when problems remain: after the repairs with --fix, as found with
    /// --fix --dry-run.
    Check(commands::check::Args),
    /// Copy every room to another store, verify, and optionally delete the source.
    ///
    /// Streams the source (--from, else the store roomctl resolves as for
    /// every command) into the target (--to) in batches, reads each copy back
    /// and compares it with the source as a document (every field, unknown
    /// ones included). The source is never changed unless --delete-source is
    /// given; non-room entries in either store are never touched; invalid
    /// source rooms are reported, never copied. Redis → Redis keeps each
    /// key's TTL.
    ///
    /// Safe to interrupt and re-run: each write is atomic and conditional,
    /// rooms already identical in the target are skipped, and a re-run
    /// finishes the job.
    ///
    /// Conflicts (the target holds a different room of the same name): by
    /// default (--on-conflict fail) every room that does not conflict is
    /// copied, no conflicting room is overwritten, every conflict is named,
    /// and the exit status is 5. Preview them first with --dry-run.
    ///
    /// Exit status: 0 done and verified; 3 some rooms not migrated (invalid,
    /// did not verify, changed in the source); 5 conflicts stopped rooms;
    /// 7 a store cannot be reached; 130 interrupted. A dry run exits as the
    /// real run would.
    MigrateBackend(commands::migrate::Args),
    /// Delete the rooms inactive for longer than a given time.
    PruneInactive(commands::prune::Args),
    /// Print a shell completion script.
    Completions(commands::completions::Args),
}

/// How to find and open the store: flattened into every command that opens
/// one, and into [`Cli`] so that they may come before the command too.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Store options")]
pub struct StoreArgs {
    /// The store to work on (a directory, file:PATH, redis://…, rediss://…,
    /// redis+cluster://…, memory:).
    #[arg(short = 's', long, value_name = "URI")]
    pub store: Option<String>,

    /// Redis key prefix of the rooms [default: room:].
    #[arg(long, value_name = "PREFIX")]
    pub key_prefix: Option<String>,

    /// The MovieMatch server's config.yaml [default: ./config.yaml if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Read the Redis password from this file (keeps it out of ps and history).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Trust the CA certificates (PEM) in FILE for rediss:// instead of the
    /// system's roots, and a server certificate that is one of them (a
    /// self-signed one).
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<PathBuf>,

    /// Present this client certificate (PEM) to rediss:// servers that ask
    /// for one; needs --tls-key.
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,

    /// Do not check the server's TLS certificate at all (self-signed test
    /// setups only; warned about on every run).
    #[arg(long)]
    pub tls_insecure: bool,

    /// The largest room to read or write, as stored (a room file, a Redis
    /// value, an archive's room line): 64MiB, 512KiB or bytes; at most
    /// 512MiB [default: 32MiB]. A larger room is refused, naming it and its
    /// size, before anything is written.
    #[arg(long, value_name = "SIZE", value_parser = crate::limit::parse_size)]
    pub max_room_size: Option<u64>,
}

impl StoreArgs {
    /// These options (given after the command) over `before` (given before
    /// it): each one given after wins.
    pub fn over(self, before: StoreArgs) -> StoreArgs {
        StoreArgs {
            store: self.store.or(before.store),
            key_prefix: self.key_prefix.or(before.key_prefix),
            config: self.config.or(before.config),
            password_file: self.password_file.or(before.password_file),
            tls_ca: self.tls_ca.or(before.tls_ca),
            tls_cert: self.tls_cert.or(before.tls_cert),
            tls_key: self.tls_key.or(before.tls_key),
            tls_insecure: self.tls_insecure || before.tls_insecure,
            max_room_size: self.max_room_size.or(before.max_room_size),
        }
    }
}
