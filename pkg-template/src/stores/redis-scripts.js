// The lease's Lua scripts for Redis: one script per step, each atomic on the server.
// KEYS[1] token (the store key itself, written by set() too), KEYS[2] lease, KEYS[3] failure.
// Times are the Redis server's own (TIME): one clock for the whole fleet.
// A snapshot is { token or false, token PTTL, lease owner or false, failure value or false,
// failure count, cooldown left in ms, acquired 0/1 }.

const PRELUDE = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function snapshot()
  local tok = redis.call('GET', KEYS[1])
  local ttl = -2
  if tok then ttl = redis.call('PTTL', KEYS[1]) end
  local owner = redis.call('GET', KEYS[2])
  local rec = redis.call('GET', KEYS[3])
  local value, count, cool = false, 0, 0
  if rec then
    local ok, f = pcall(cjson.decode, rec)
    if ok and type(f) == 'table' and type(f.v) == 'string' and tonumber(f.c) and tonumber(f.u) then
      value = f.v
      count = tonumber(f.c)
      cool = math.max(0, tonumber(f.u) - now_ms())
    end
  end
  return { tok or false, ttl, owner or false, value, count, cool, 0 }
end
local function is_token(text)
  local ok, t = pcall(cjson.decode, text)
  return ok and type(t) == 'table' and type(t.access_token) == 'string' and t.access_token ~= ''
end
local function release(owner)
  if redis.call('GET', KEYS[2]) == owner then
    redis.call('DEL', KEYS[2])
    return 1
  end
  return 0
end
`;

/** read(key) */
export const READ = `${PRELUDE}
return snapshot()`;

/**
 * acquire(key, owner, ttlMs, freshAboveMs): ARGV owner, ttl ms, fresh-above ms ('' = ignore tokens).
 * Refused while another owner's lease is live, a failure is in its cooldown, or a token (a real one,
 * not garbage) has more than freshAboveMs left. Our own lease is renewed.
 */
export const ACQUIRE = `${PRELUDE}
local s = snapshot()
local blocked = false
if s[3] and s[3] ~= ARGV[1] then blocked = true end
if s[6] > 0 then blocked = true end
if ARGV[3] ~= '' and s[1] and s[2] > tonumber(ARGV[3]) and is_token(s[1]) then blocked = true end
if not blocked then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  s[3] = ARGV[1]
  s[7] = 1
end
return s`;

/** publish(key, owner, token, ttlMs): ARGV owner, token JSON, ttl ms. Token first, then the release. */
export const PUBLISH = `${PRELUDE}
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('DEL', KEYS[3])
return release(ARGV[1])`;

/** fail(key, owner, failure, count, cooldownMs): ARGV owner, failure JSON, count, cooldown ms, memory ms. */
export const FAIL = `${PRELUDE}
local cooldown = tonumber(ARGV[4])
local rec = cjson.encode({ v = ARGV[2], c = tonumber(ARGV[3]), u = now_ms() + cooldown })
redis.call('SET', KEYS[3], rec, 'PX', cooldown + tonumber(ARGV[5]))
return release(ARGV[1])`;

/** release(key, owner): compare-and-delete. */
export const RELEASE = `${PRELUDE}
return release(ARGV[1])`;
