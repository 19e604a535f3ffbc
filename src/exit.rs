//! Exit codes, and the error type that carries one. Errors become text and
//! an exit code in exactly one place: `main.rs`.

use std::fmt;

/// The documented exit statuses of roomctl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything asked was done.
    Success = 0,
    /// The operation failed (I/O error, store error, bug).
    Failure = 1,
    /// The command line was wrong.
    Usage = 2,
    /// Done, but incomplete: some entries could not be read or handled
    /// (invalid rooms in an export, rooms not migrated, rooms not deleted).
    Incomplete = 3,
    /// A named room does not exist.
    NotFound = 4,
    /// Conflicting rooms in the target; nothing was overwritten.
    Conflict = 5,
    /// Refused: needs `--yes`, or a guard rail (`--max-delete`, a lock) held.
    Refused = 6,
    /// The store cannot be reached (Redis down, directory missing).
    Unavailable = 7,
    /// The input (an archive, a document) is invalid; nothing was written.
    BadInput = 8,
    /// Interrupted by a signal; a re-run finishes the job.
    Interrupted = 130,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// An error that knows its exit code. Commands return it through `anyhow`.
#[derive(Debug)]
pub struct Failure {
    pub code: ExitCode,
    pub message: String,
    /// Why the run was refused, when it was: the `refused` field of the
    /// command's report (see [`Refusal`]).
    pub refused: Option<&'static str>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Builds an `anyhow::Error` carrying an exit code.
pub fn fail(code: ExitCode, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure {
        code,
        message: message.into(),
        refused: None,
    })
}

/// Builds the error of a refused run: nothing was done, on purpose.
/// `reason` is a short stable code (`needs-yes`, `lock-held`, …) that the
/// command's `-o json|yaml` report carries as `refused`.
pub fn refuse(code: ExitCode, reason: &'static str, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure {
        code,
        message: message.into(),
        refused: Some(reason),
    })
}

/// Why a run was refused, as the reports of `-o json|yaml` say it: two
/// fields every report of a command that can refuse carries (flattened),
/// both null when the run was not refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Refusal {
    /// The reason, a short stable code: `needs-yes`, `not-confirmed`,
    /// `lock-held`, `max-delete`, `backup-exists`, `conflicts`,
    /// `invalid-input`, `not-found`, `not-a-room`.
    pub refused: Option<&'static str>,
    /// The sentence printed on stderr.
    pub refused_message: Option<String>,
}

impl Refusal {
    /// The refusal an error carries, if it is one ([`refuse`]).
    pub fn of(err: &anyhow::Error) -> Option<Refusal> {
        err.chain()
            .filter_map(|cause| cause.downcast_ref::<Failure>())
            .find_map(|f| {
                f.refused.map(|reason| Refusal {
                    refused: Some(reason),
                    refused_message: Some(f.message.clone()),
                })
            })
    }
}

/// The exit code an error deserves: the first [`Failure`] in its chain, or
/// the kind of store error, or a plain failure.
pub fn code_of(err: &anyhow::Error) -> ExitCode {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.code;
        }
        if let Some(e) = cause.downcast_ref::<crate::store::StoreError>() {
            return match e {
                crate::store::StoreError::Unavailable { .. } => ExitCode::Unavailable,
                crate::store::StoreError::Config(_) => ExitCode::Unavailable,
                crate::store::StoreError::NoSuchDirectory { .. } => ExitCode::Unavailable,
                crate::store::StoreError::Locked { .. } => ExitCode::Refused,
                crate::store::StoreError::Refused(_) => ExitCode::Refused,
                _ => ExitCode::Failure,
            };
        }
    }
    ExitCode::Failure
}

/// The exit status of a run that returned `result`: a closed stdout
/// (`roomctl list | head`) is a success, an error exits with its code.
pub fn status_of(result: &anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => *code,
        Err(err) if is_broken_pipe(err) => ExitCode::Success,
        Err(err) => code_of(err),
    }
}

/// The error and its causes on one line, most general first, as `main`
/// prints it (a cause whose text an earlier part already says is left out).
pub fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// Whether the error is a closed stdout (`roomctl list | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}
