//! Runs the storage conformance suite (`roomctl::store::contract`) against
//! every backend: one `#[test]` per case and backend.

use std::fs;
use std::path::PathBuf;

use roomctl::store::contract::{self, Fixture};
use roomctl::store::file::{FileStore, safe_file_name};
use roomctl::store::memory::MemoryStore;
use roomctl::store::redis_store::RedisStore;
use roomctl::store::{Store, StoreSpec};

use crate::support::redis::{RedisCluster, RedisServer};

struct MemoryFixture(MemoryStore);

impl Fixture for MemoryFixture {
    fn store(&self) -> &dyn Store {
        &self.0
    }
    fn plant_bytes(&self, name: &str, bytes: &[u8]) {
        self.0.insert_raw(name, bytes.to_vec());
    }
    fn plant_not_a_room(&self, name: &str) {
        self.0.insert_raw(name, b"[\"a\",\"list\"]".to_vec());
    }
}

struct FileFixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: FileStore,
}

impl FileFixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("rooms");
        fs::create_dir(&path).expect("mkdir");
        let store = FileStore::open(&path).expect("open");
        FileFixture {
            _dir: dir,
            path,
            store,
        }
    }
}

impl Fixture for FileFixture {
    fn store(&self) -> &dyn Store {
        &self.store
    }
    fn plant_bytes(&self, name: &str, bytes: &[u8]) {
        fs::write(self.path.join(safe_file_name(name)), bytes).expect("plant");
    }
    fn plant_not_a_room(&self, name: &str) {
        fs::create_dir(self.path.join(safe_file_name(name))).expect("plant dir");
    }
    fn names_collide(&self) -> bool {
        true
    }
}

/// A store on its own redis-server, with the default prefix `room:`.
struct RedisFixture {
    store: RedisStore,
    plant: ::redis::Client,
    // Dropped last: the server outlives the store's connection.
    _server: RedisServer,
}

impl RedisFixture {
    fn new() -> Self {
        let server = RedisServer::start();
        let StoreSpec::Redis(config) = StoreSpec::parse(&server.url()).expect("parse") else {
            panic!("{} is not a Redis store name", server.url());
        };
        RedisFixture {
            store: RedisStore::connect(&config).expect("connect"),
            plant: ::redis::Client::open(server.url()).expect("client"),
            _server: server,
        }
    }

    fn plant(&self, cmd: &mut ::redis::Cmd) {
        let mut con = self.plant.get_connection().expect("plant connection");
        cmd.exec(&mut con).expect("plant");
    }
}

impl Fixture for RedisFixture {
    fn store(&self) -> &dyn Store {
        &self.store
    }
    fn plant_bytes(&self, name: &str, bytes: &[u8]) {
        self.plant(::redis::cmd("SET").arg(format!("room:{name}")).arg(bytes));
    }
    fn plant_not_a_room(&self, name: &str) {
        self.plant(
            ::redis::cmd("SADD")
                .arg(format!("room:{name}"))
                .arg("member"),
        );
    }
}

/// A store on a TLS-only redis-server, trusting the CA the harness made.
struct RedisTlsFixture {
    store: RedisStore,
    server: RedisServer,
}

impl RedisTlsFixture {
    fn new() -> Self {
        let server = RedisServer::start_tls();
        let StoreSpec::Redis(mut config) = StoreSpec::parse(&server.url()).expect("parse") else {
            panic!("{} is not a Redis store name", server.url());
        };
        config.tls.ca_file = Some(server.tls().ca());
        RedisTlsFixture {
            store: RedisStore::connect(&config).expect("connect over TLS"),
            server,
        }
    }
}

impl Fixture for RedisTlsFixture {
    fn store(&self) -> &dyn Store {
        &self.store
    }
    fn plant_bytes(&self, name: &str, bytes: &[u8]) {
        ::redis::cmd("SET")
            .arg(format!("room:{name}"))
            .arg(bytes)
            .exec(&mut self.server.connection())
            .expect("plant");
    }
    fn plant_not_a_room(&self, name: &str) {
        ::redis::cmd("SADD")
            .arg(format!("room:{name}"))
            .arg("member")
            .exec(&mut self.server.connection())
            .expect("plant");
    }
}

/// A store on a three-primary Redis Cluster, seeded from one node.
struct RedisClusterFixture {
    store: RedisStore,
    cluster: RedisCluster,
}

impl RedisClusterFixture {
    fn new() -> Self {
        let cluster = RedisCluster::start();
        let url = cluster.seed_url(1);
        let StoreSpec::Redis(config) = StoreSpec::parse(&url).expect("parse") else {
            panic!("{url} is not a Redis store name");
        };
        let store = RedisStore::connect(&config).expect("connect to the cluster");
        assert!(store.is_cluster());
        RedisClusterFixture { store, cluster }
    }

    fn plant(&self, cmd: &mut ::redis::Cmd) {
        cmd.exec(&mut self.cluster.client()).expect("plant");
    }
}

impl Fixture for RedisClusterFixture {
    fn store(&self) -> &dyn Store {
        &self.store
    }
    fn plant_bytes(&self, name: &str, bytes: &[u8]) {
        self.plant(::redis::cmd("SET").arg(format!("room:{name}")).arg(bytes));
    }
    fn plant_not_a_room(&self, name: &str) {
        self.plant(
            ::redis::cmd("SADD")
                .arg(format!("room:{name}"))
                .arg("member"),
        );
    }
}

macro_rules! contract_tests {
    ($module:ident, $fixture:expr) => {
        mod $module {
            use super::*;
            contract_tests!(@cases $fixture;
                put_get_round_trip, get_missing, create_only_refuses_existing,
                compare_and_swap, overwrite_replaces, delete_and_delete_again,
                conditional_delete_keeps_changed_room, scan_streams_every_room,
                hostile_names, colliding_names, bad_entries_are_reported_not_rooms,
                non_rooms_are_never_touched, invalid_deleted_only_when_allowed,
                invalid_replaced_only_by_its_bytes,
                housekeeping_is_read_only_and_quiet_on_rooms, lock_is_exclusive,
                raw_reads_are_the_stored_bytes, scans_without_users_find_the_same_rooms,
                identity_is_the_stores_own);
        }
    };
    (@cases $fixture:expr; $($case:ident),*) => {
        $(
            #[test]
            fn $case() {
                let fixture = $fixture;
                contract::$case(&fixture);
            }
        )*
    };
}

contract_tests!(memory, MemoryFixture(MemoryStore::new()));
contract_tests!(file, FileFixture::new());
contract_tests!(redis, RedisFixture::new());
contract_tests!(redis_tls, RedisTlsFixture::new());
contract_tests!(redis_cluster, RedisClusterFixture::new());

#[test]
fn every_case_is_generated() {
    // The macro lists cases by hand; this fails when a case is added to the
    // suite but not to the macro.
    assert_eq!(contract::CASES.len(), 19);
}
