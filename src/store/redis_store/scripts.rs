//! The Lua scripts that make a check and a write one atomic step on the
//! key's node: overwrite, compare-and-swap, replace-invalid and delete.

use std::sync::LazyLock;

use redis::Cmd;

/// Lua shared by the scripts: `set` honours the TTL argument, `judge` says why
/// a stored value is not the room `name` (nil when it is). `judge` follows
/// roomctl's reader: a JSON object with string `roomName`, `creatorPlexUserId`
/// and `createdAt`, whose `roomName` is the name its key says.
pub(super) const LUA_HELPERS: &str = r#"
local function set(key, value, ttl)
  if ttl == '' then
    redis.call('SET', key, value, 'KEEPTTL')
  else
    redis.call('SET', key, value, 'PX', ttl)
  end
end
local function judge(value, name)
  if not string.find(value, '^%s*{') then
    if pcall(cjson.decode, value) then return 'notroom', 'JSON but not an object' end
    return 'invalid', 'not valid JSON'
  end
  local ok, doc = pcall(cjson.decode, value)
  if not ok or type(doc) ~= 'table' then return 'invalid', 'not valid JSON' end
  local missing = {}
  for _, k in ipairs({'roomName', 'creatorPlexUserId', 'createdAt'}) do
    if type(doc[k]) ~= 'string' then table.insert(missing, k) end
  end
  if #missing > 0 then
    return 'invalid', 'not a room document (missing ' .. table.concat(missing, ', ') .. ')'
  end
  if doc['roomName'] ~= name then return 'misnamed', doc['roomName'] end
  return nil
end
"#;

/// KEYS[1] room key; ARGV: name, new value, TTL in ms ('' keeps the key's).
/// Replaces a room (or creates one), never anything else.
pub(super) const OVERWRITE_BODY: &str = r#"
local t = redis.call('TYPE', KEYS[1])['ok']
if t ~= 'none' then
  if t ~= 'string' then return {'wrongtype', t} end
  local kind, why = judge(redis.call('GET', KEYS[1]), ARGV[1])
  if kind then return {kind, why} end
end
set(KEYS[1], ARGV[2], ARGV[3])
return {'written'}
"#;

/// KEYS[1] room key; ARGV: expected value, new value, TTL in ms ('' keeps).
/// Compare-and-swap: writes only over exactly the expected bytes.
pub(super) const SWAP_BODY: &str = r#"
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return {'changed'} end
if t ~= 'string' then return {'wrongtype', t} end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'changed'} end
set(KEYS[1], ARGV[2], ARGV[3])
return {'written'}
"#;

/// KEYS[1] room key; ARGV: name, expected value, new value, TTL in ms ('' keeps).
/// Restores a damaged room: writes only over exactly the expected bytes, and
/// only while they are an invalid document (never another room, never JSON
/// that is not an object, never a key of another type).
pub(super) const REPLACE_INVALID_BODY: &str = r#"
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return {'changed'} end
if t ~= 'string' then return {'wrongtype', t} end
local value = redis.call('GET', KEYS[1])
if value ~= ARGV[2] then return {'changed'} end
local kind, why = judge(value, ARGV[1])
if kind ~= 'invalid' then
  if kind then return {kind, why} end
  return {'changed'}
end
set(KEYS[1], ARGV[3], ARGV[4])
return {'written'}
"#;

/// KEYS[1] room key; ARGV: name, '1' when an invalid document may go, '1'
/// when ARGV[4] holds the expected value. Deletes only a room (or an invalid
/// document when allowed), and only the expected bytes when given. The
/// expected value is one roomctl read and judged a room of that name
/// ([`Delete::expected`](crate::store::Delete::expected)): compared, it
/// needs no decoding again.
pub(super) const DELETE_BODY: &str = r#"
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return {'missing'} end
if t ~= 'string' then return {'wrongtype', t} end
local value = redis.call('GET', KEYS[1])
if ARGV[3] == '1' then
  if value ~= ARGV[4] then return {'changed'} end
else
  local kind, why = judge(value, ARGV[1])
  if kind and not (kind == 'invalid' and ARGV[2] == '1') then return {kind, why} end
end
redis.call('DEL', KEYS[1])
return {'deleted'}
"#;

/// A Lua script with its SHA1, for `EVALSHA`.
pub(super) struct LuaScript {
    pub(super) source: String,
    pub(super) sha: String,
}

impl LuaScript {
    pub(super) fn new(body: &str) -> LuaScript {
        let source = format!("{LUA_HELPERS}{body}");
        let sha = redis::Script::new(&source).get_hash().to_string();
        LuaScript { source, sha }
    }

    pub(super) fn invoke(&self, key: &[u8]) -> Cmd {
        let mut cmd = redis::cmd("EVALSHA");
        cmd.arg(&self.sha).arg(1).arg(key);
        cmd
    }
}

/// The four scripts, in the order `RedisStore` uses them.
pub(super) static SCRIPTS: LazyLock<[LuaScript; 4]> = LazyLock::new(|| {
    [
        LuaScript::new(OVERWRITE_BODY),
        LuaScript::new(SWAP_BODY),
        LuaScript::new(DELETE_BODY),
        LuaScript::new(REPLACE_INVALID_BODY),
    ]
});

/// What a write or delete script answered.
pub(super) enum ScriptReply {
    Done,
    Changed,
    Missing,
    Blocked(String),
}
