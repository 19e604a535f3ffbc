//! Fuzzes the room-document readers: see `roomctl::fuzzing::room_document`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| roomctl::fuzzing::room_document(data));
