//! The largest room roomctl reads or writes (`--max-room-size`): one limit
//! for every path, so that roomctl never writes a room it would then refuse
//! to read back. It bounds a room as stored — a room file (pretty JSON), a
//! Redis value and an archive's room line (compact JSON) — and a reader
//! stops at it: an archive is decompressed no further than the limit, a
//! file or value over it is reported, not parsed.

/// The limit when `--max-room-size` is not given. The largest real rooms
/// (years of ratings) are a few MiB.
pub const DEFAULT_MAX_ROOM_BYTES: u64 = 32 << 20;

/// The highest limit that can be set: Redis cannot store a larger value.
pub const CEILING: u64 = 512 << 20;

/// Parses `--max-room-size`: bytes (`1048576`), or a number with a unit in
/// powers of 1024 (`512KiB`, `64MiB`, `1GiB`; `K`, `M`, `G`, `KB`, `MB`,
/// `GB` mean the same, in any case).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let s = text.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(digits);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => {
            return Err(format!(
                "{text:?}: expected a size like 64MiB, 512KiB or a number of bytes"
            ));
        }
    };
    let bytes = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or_else(|| {
            format!("{text:?}: expected a size like 64MiB, 512KiB or a number of bytes")
        })?;
    if bytes == 0 {
        return Err(format!("{text:?}: a room of 0 bytes is no room"));
    }
    if bytes > CEILING {
        return Err(format!(
            "{text:?}: at most {} (Redis stores no larger value)",
            size(CEILING)
        ));
    }
    Ok(bytes)
}

/// A size for people: `32 MiB`, `40.5 MiB`, `900 KiB`, `512 bytes`.
pub fn size(bytes: u64) -> String {
    const UNITS: [(u32, &str); 3] = [(30, "GiB"), (20, "MiB"), (10, "KiB")];
    for (shift, unit) in UNITS {
        let one = 1u64 << shift;
        if bytes >= one {
            return if bytes.is_multiple_of(one) {
                format!("{} {unit}", bytes >> shift)
            } else {
                format!("{:.1} {unit}", bytes as f64 / one as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

/// Why a room of `bytes` is refused, for messages: `41943117 bytes
/// (40.0 MiB), over the 32 MiB limit for a room (--max-room-size raises
/// it)`. `at_least`: only a lower bound is known (reading stopped there).
pub fn over_limit(bytes: u64, limit: u64, at_least: bool) -> String {
    format!(
        "{}{bytes} bytes ({}), over the {} limit for a room (--max-room-size raises it)",
        if at_least { "more than " } else { "" },
        size(bytes),
        size(limit)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_read_in_powers_of_1024() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("512KiB"), Ok(512 << 10));
        assert_eq!(parse_size("512 kb"), Ok(512 << 10));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert!(parse_size("1G").unwrap_err().contains("at most 512 MiB"));
        assert!(parse_size("0").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("99999999999999999999").is_err());
        assert_eq!(size(32 << 20), "32 MiB");
        assert_eq!(size((40 << 20) + (1 << 19)), "40.5 MiB");
        assert_eq!(size(100), "100 bytes");
    }
}
