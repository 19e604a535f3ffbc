//! The Redis backend (SPEC §3). Placeholder until implemented.
use super::*;
pub struct RedisStore;
impl RedisStore {
    pub fn connect(_c: &StoreConfig) -> Result<RedisStore, StoreError> {
        Err(StoreError::Unsupported("redis: not yet".into()))
    }
}
impl Store for RedisStore {
    fn describe(&self) -> String {
        String::new()
    }
    fn kind(&self) -> StoreKind {
        StoreKind::Redis
    }
    fn scan(&self, _o: ScanOptions) -> Result<Scan<'_>, StoreError> {
        todo!()
    }
    fn get_batch(&self, _n: &[&str]) -> Result<Vec<Lookup>, StoreError> {
        todo!()
    }
    fn put_batch(&self, _p: &[Put<'_>]) -> Result<Vec<PutOutcome>, StoreError> {
        todo!()
    }
    fn delete_batch(&self, _d: &[Delete<'_>]) -> Result<Vec<DeleteOutcome>, StoreError> {
        todo!()
    }
    fn lock(&self, _name: &str) -> Result<Box<dyn LockGuard + '_>, StoreError> {
        Err(StoreError::Unsupported("redis: not yet".into()))
    }
}
