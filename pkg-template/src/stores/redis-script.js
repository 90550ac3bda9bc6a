// The lease's Lua script for Redis: one script, one atomic call per step, the step named by ARGV[1]:
//   s (read): ARGV[2] ignored
//   a (acquire): ARGV[2] owner, ARGV[3] lease ms, ARGV[4] fresh-above ms ('' = tokens do not count)
//   p (publish): ARGV[2] owner, ARGV[3] token JSON, ARGV[4] ttl ms -- token first, then the release
//   f (fail): ARGV[2] owner, ARGV[3] failure JSON, ARGV[4] count, ARGV[5] cooldown ms, ARGV[6] memory ms
//   r (release): ARGV[2] owner -- compare-and-delete
// KEYS: token (the store key itself, also written by set()), lease, failure. Times are the server's
// own (TIME): one clock for the whole fleet. Reads and acquires return { token or false, token PTTL,
// lease owner or false, failure JSON or false, failure count, cooldown left ms, acquired 0/1 };
// the writes return 1 when the owner's lease was there and is released.
// Kept compact: it is shipped in every entry of the package.
export const SCRIPT = `local k,a=KEYS,ARGV
local op,o=a[1],a[2]
local t=redis.call('TIME')
local now=t[1]*1000+math.floor(t[2]/1000)
local function rel() if redis.call('GET',k[2])==o then redis.call('DEL',k[2]) return 1 end return 0 end
if op=='p' then redis.call('SET',k[1],a[3],'PX',a[4]) redis.call('DEL',k[3]) return rel() end
if op=='f' then redis.call('SET',k[3],cjson.encode({v=a[3],c=tonumber(a[4]),u=now+a[5]}),'PX',a[5]+a[6]) return rel() end
if op=='r' then return rel() end
local v=redis.call('GET',k[1])
local ttl=v and redis.call('PTTL',k[1]) or -2
local w=redis.call('GET',k[2])
local f,c,cd=false,0,0
local ok,x=pcall(cjson.decode,redis.call('GET',k[3]) or '')
if ok and type(x)=='table' and type(x.v)=='string' and tonumber(x.c) and tonumber(x.u) then f,c,cd=x.v,tonumber(x.c),math.max(0,x.u-now) end
local got=0
if op=='a' then
local ok2,j=pcall(cjson.decode,v or '')
local tok=a[4]~='' and ttl>tonumber(a[4]) and ok2 and type(j)=='table' and type(j.access_token)=='string' and j.access_token~=''
if not ((w and w~=o) or cd>0 or tok) then redis.call('SET',k[2],o,'PX',a[3]) w=o got=1 end
end
return {v or false,ttl,w or false,f,c,cd,got}`;
