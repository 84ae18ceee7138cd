/**
 * The Lua scripts that make each multi-key change of the shared state atomic in Redis. Each one reads and writes
 * only keys passed in KEYS, and times come from Redis's own clock (TIME), so replicas on machines whose clocks
 * disagree still agree on how old a step is.
 */

/**
 * KEYS: stream, open, step hash, step group hash. ARGV: payload, step ('' = unplaced), capacity, ttl ms, then per
 * group: key, completions in this observation, completions that make the group complete. A group counts toward
 * the step's capacity once, when its completions first reach that number (a retried group never counts twice).
 */
export const APPEND = `
local id = redis.call('XADD', KEYS[1], '*', 'o', ARGV[1])
if ARGV[2] == '' then return {id, 0} end
local completed = 0
for i = 5, #ARGV, 3 do
  local count = tonumber(ARGV[i + 1])
  local have = redis.call('HINCRBY', KEYS[4], ARGV[i], count)
  if have - count < tonumber(ARGV[i + 2]) and have >= tonumber(ARGV[i + 2]) then completed = completed + 1 end
end
local total = redis.call('HINCRBY', KEYS[3], 'groups', completed)
local t = redis.call('TIME')
redis.call('HSET', KEYS[3], 'last', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
redis.call('PEXPIRE', KEYS[3], ARGV[4])
redis.call('PEXPIRE', KEYS[4], ARGV[4])
local open = tonumber(redis.call('GET', KEYS[2]))
if open == tonumber(ARGV[2]) and total >= tonumber(ARGV[3]) then redis.call('SET', KEYS[2], open + 1) end
return {id, completed}
`;

/**
 * KEYS: open, step hash, lease. ARGV: step, idle ms, lease value, '1' to close the step even when no group joined
 * it (the decider has late observations to fold in and nothing else is coming). 1 when the step was closed.
 */
export const CLOSE_IDLE = `
if redis.call('GET', KEYS[3]) ~= ARGV[3] then return -1 end
local open = tonumber(redis.call('GET', KEYS[1]))
if open ~= tonumber(ARGV[1]) then return 0 end
local last = tonumber(redis.call('HGET', KEYS[2], 'last'))
if not last then
  if ARGV[4] ~= '1' then return 0 end
  redis.call('SET', KEYS[1], open + 1)
  return 1
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now - last < tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], open + 1)
return 1
`;

/** KEYS: lease, fence. ARGV: replica id, ttl ms. The new fencing token, or 0 when another replica holds the lease. */
export const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[2])
return token
`;

/** KEYS: lease. ARGV: lease value, ttl ms. 1 when renewed, 0 when the lease is no longer ours. */
export const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** KEYS: lease. ARGV: lease value. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * KEYS: lease, record, open, stream, then one result key per ARGV pair. ARGV: lease value, version, record JSON,
 * trim id ('' = no trim), result ttl ms, channel, then result JSONs. 1: published; -1: the lease is not ours;
 * -2: a record of this version or a newer one is already there.
 */
export const PUBLISH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local version = tonumber(ARGV[2])
local current = tonumber(redis.call('HGET', KEYS[2], 'version'))
if current and current >= version then return -2 end
redis.call('HSET', KEYS[2], 'version', version, 'record', ARGV[3])
local open = tonumber(redis.call('GET', KEYS[3]))
if not open or open <= version then redis.call('SET', KEYS[3], version + 1) end
if ARGV[4] ~= '' then redis.call('XTRIM', KEYS[4], 'MINID', ARGV[4]) end
for i = 5, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 2], 'PX', ARGV[5]) end
redis.call('PUBLISH', ARGV[6], version)
return 1
`;

/**
 * Seeds the state, or restores it after Redis lost its data: the record is written only when Redis has none or
 * an older one (the highest version any replica still holds wins), the open step never moves back, and config and
 * epoch are written only when missing. KEYS: record, open, config, epoch. ARGV: version, record JSON, config JSON,
 * new epoch. Returns {stored config, stored epoch, stored version}.
 */
export const SEED = `
local version = tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'version'))
if not current or current < version then
  redis.call('HSET', KEYS[1], 'version', version, 'record', ARGV[2])
  current = version
end
local open = tonumber(redis.call('GET', KEYS[2]))
if not open or open <= current then redis.call('SET', KEYS[2], current + 1) end
redis.call('SET', KEYS[3], ARGV[3], 'NX')
redis.call('SET', KEYS[4], ARGV[4], 'NX')
return {redis.call('GET', KEYS[3]), redis.call('GET', KEYS[4]), tostring(current)}
`;
