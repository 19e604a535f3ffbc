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
rediss://… (TLS), redis+cluster://host:port[,host:port…], memory:.\n\
Without --store, roomctl reads STORAGE_TYPE, STORAGE_PATH, REDIS_URL, VALKEY_HOST, \
VALKEY_PORT, VALKEY_PASSWORD, REDIS_DB, then ./config.yaml, then uses file:./data/rooms."
)]
pub struct Cli {
    /// The store to work on (a directory, file:PATH, redis://…, rediss://…,
    /// redis+cluster://…, memory:).
    #[arg(short = 's', long, global = true, value_name = "URI")]
    pub store: Option<String>,

    /// Redis key prefix of the rooms [default: room:].
    #[arg(long, global = true, value_name = "PREFIX")]
    pub key_prefix: Option<String>,

    /// The MovieMatch server's config.yaml [default: ./config.yaml if present].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Read the Redis password from this file (keeps it out of ps and history).
    #[arg(long, global = true, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Say nothing on stderr but warnings and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

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
    /// Delete rooms by name.
    #[command(visible_alias = "rm")]
    Delete(commands::delete::Args),
    /// Delete the rooms inactive for longer than a given time.
    PruneInactive(commands::prune::Args),
    /// Print a shell completion script.
    Completions(commands::completions::Args),
}
