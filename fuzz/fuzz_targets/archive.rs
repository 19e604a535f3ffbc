//! Fuzzes the archive reader: see `roomctl::fuzzing::archive`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| roomctl::fuzzing::archive(data));
