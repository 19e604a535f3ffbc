//! roomctl: administer the rooms a MovieMatch server keeps in its storage.
//!
//! The library is what the `roomctl` binary and the tests use: the room
//! document, the storage layer with one backend per store kind, and the
//! commands built on them.

pub mod archive;
pub mod room;
pub mod store;
