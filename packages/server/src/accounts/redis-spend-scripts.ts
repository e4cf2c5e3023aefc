import { RedisScript } from './redis-connection.js';

// Lua numbers are doubles: pico-USD sums pass 2^53, so amounts travel as decimal strings and all
// arithmetic is done by Redis itself (INCRBY/HINCRBY are exact signed 64-bit) — in a scratch key
// when a sum is only compared.

const COMMON = `
local function exact_sum(scratch, parts, minus)
  redis.call('SET', scratch, '0')
  for _, part in ipairs(parts) do redis.call('INCRBY', scratch, part) end
  redis.call('DECRBY', scratch, minus)
  return redis.call('GET', scratch)
end
local function is_positive(value)
  return string.sub(value, 1, 1) ~= '-' and value ~= '0'
end
local function release(hold_data, id)
  local data = redis.call('HGET', hold_data, id)
  if not data then return end
  local amount = nil
  for part in string.gmatch(data, '[^|]+') do
    if amount == nil then amount = part
    elseif amount ~= '0' then redis.call('HINCRBY', part, 'held', '-' .. amount) end
  end
  redis.call('HDEL', hold_data, id)
end
local function purge(holds, hold_data, now_ms)
  local expired = redis.call('ZRANGEBYSCORE', holds, '-inf', now_ms, 'LIMIT', 0, 100)
  for _, id in ipairs(expired) do
    release(hold_data, id)
    redis.call('ZREM', holds, id)
  end
end
`;

/**
 * Sets each spender's `since` (ms) if it has none and returns them all. KEYS: spender states.
 * ARGV: now (ms).
 */
export const ENSURE_SINCE = new RedisScript(`
local result = {}
for i, state in ipairs(KEYS) do
  redis.call('HSETNX', state, 'since', ARGV[1])
  result[i] = redis.call('HGET', state, 'since')
end
return result`);

/**
 * Checks and holds in one step. KEYS: holds (zset of lease expiries), hold data (hash), scratch,
 * then per spender its state hash and its usage counter for the limit window. ARGV: now, lease
 * expiry, hold id, amount, then per spender: the `since` the caller assumed, the stored usage in
 * [window start, since), the limit ('' = none), and the limit terms of the caller's key row
 * ('' = not checked; `!terms` = read afresh from the ledger: stored as the key's terms). A row
 * whose terms differ from the state's `terms` (set by `RedisSpendGuard.keyChanged`) was read
 * before that change. Replies {'ok'}, {'since', index}, {'stale', index} or
 * {'refused', index, remaining}.
 */
export const RESERVE = new RedisScript(`${COMMON}
local holds, hold_data, scratch = KEYS[1], KEYS[2], KEYS[3]
local amount = ARGV[4]
purge(holds, hold_data, ARGV[1])
local spenders = (#KEYS - 3) / 2
local states = {}
for i = 0, spenders - 1 do
  local state, counter = KEYS[4 + 2 * i], KEYS[5 + 2 * i]
  local since, stored, limit, terms = ARGV[5 + 4 * i], ARGV[6 + 4 * i], ARGV[7 + 4 * i], ARGV[8 + 4 * i]
  states[i + 1] = state
  if redis.call('HGET', state, 'since') ~= since then
    redis.call('DEL', scratch)
    return {'since', tostring(i)}
  end
  if string.sub(terms, 1, 1) == '!' then
    redis.call('HSET', state, 'terms', string.sub(terms, 2))
  elseif terms ~= '' then
    local current = redis.call('HGET', state, 'terms')
    if current and current ~= terms then
      redis.call('DEL', scratch)
      return {'stale', tostring(i)}
    end
  end
  if limit ~= '' then
    local used = redis.call('GET', counter) or '0'
    local held = redis.call('HGET', state, 'held') or '0'
    local over = exact_sum(scratch, {stored, used, held, amount}, limit)
    if is_positive(over) then
      local remaining = exact_sum(scratch, {amount}, over)
      redis.call('DEL', scratch)
      return {'refused', tostring(i), remaining}
    end
  end
end
redis.call('DEL', scratch)
if amount ~= '0' then
  for _, state in ipairs(states) do redis.call('HINCRBY', state, 'held', amount) end
end
redis.call('ZADD', holds, ARGV[2], ARGV[3])
redis.call('HSET', hold_data, ARGV[3], amount .. '|' .. table.concat(states, '|'))
return {'ok'}`);

/**
 * Ends a hold (if still there) and adds the actual charge to every usage counter. KEYS: holds,
 * hold data, then `ARGV[4]` spender states, then the counters. ARGV: hold id ('' = none),
 * actual, number of states, now (ms), then per counter its expiry (ms, '' = never).
 *
 * A spender without a `since` (its first charge, or Redis lost its data) gets the settle's time,
 * not the record's creation: charges settled after that creation and lost with Redis's data are
 * in the ledger before `since` only if `since` is now. This record is then in both the ledger's
 * sum and the counters: counted twice, more than spent, never less.
 */
export const SETTLE = new RedisScript(`${COMMON}
local id, actual, now = ARGV[1], ARGV[2], ARGV[4]
local spenders = tonumber(ARGV[3])
if id ~= '' then
  release(KEYS[2], id)
  redis.call('ZREM', KEYS[1], id)
end
if actual == '0' then return 0 end
for i = 3, 2 + spenders do redis.call('HSETNX', KEYS[i], 'since', now) end
for i = 3 + spenders, #KEYS do
  redis.call('INCRBY', KEYS[i], actual)
  local expiry = ARGV[5 + i - 3 - spenders]
  if expiry ~= '' then redis.call('PEXPIREAT', KEYS[i], expiry) end
end
return 1`);

/**
 * Extends the leases of a node's open holds, and holds again those Redis no longer has (lost with
 * its data in a restart without persistence, or lapsed while the node could not reach it): until
 * its request settles, a hold must count on every node. KEYS: holds, hold data, then per hold its
 * key's and the account's state. ARGV: lease expiry, then per hold its id and amount. Replies the
 * number of holds made again.
 */
export const RENEW = new RedisScript(`
local holds, hold_data, expiry = KEYS[1], KEYS[2], ARGV[1]
local restored = 0
for i = 0, (#ARGV - 1) / 2 - 1 do
  local id, amount = ARGV[2 + 2 * i], ARGV[3 + 2 * i]
  local key_state, account_state = KEYS[3 + 2 * i], KEYS[4 + 2 * i]
  if redis.call('HEXISTS', hold_data, id) == 0 then
    if amount ~= '0' then
      redis.call('HINCRBY', key_state, 'held', amount)
      redis.call('HINCRBY', account_state, 'held', amount)
    end
    redis.call('HSET', hold_data, id, amount .. '|' .. key_state .. '|' .. account_state)
    restored = restored + 1
  end
  redis.call('ZADD', holds, expiry, id)
end
return restored`);
