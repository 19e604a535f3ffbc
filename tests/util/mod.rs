//! Helpers shared by the integration test binaries.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod redis;
