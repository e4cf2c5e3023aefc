import Database from 'better-sqlite3';
import { readdirSync } from 'node:fs';
const dir = '/tmp/' + readdirSync('/tmp').find((d) => d.startsWith('exp8-'));
const path = dir + '/t.db';
const db0 = new Database(path, { readonly: true });
const ids = (db0.prepare('select id from generations where rowid % 1000 = 7 limit 1000').all() as {id:string}[]).map((r) => r.id);
db0.close();
for (const [label, pragmas, same, sql] of [
  ['default', [], false, 'select key_hash, record_version, record from generations where id = ?'],
  ['cache64M', ['cache_size = -65536'], false, 'select key_hash, record_version, record from generations where id = ?'],
  ['cache64M same id', ['cache_size = -65536'], true, 'select key_hash, record_version, record from generations where id = ?'],
  ['cache64M no record', ['cache_size = -65536'], false, 'select key_hash, record_version from generations where id = ?'],
  ['cache64M rowid only', ['cache_size = -65536'], false, 'select rowid from generations where id = ?'],
] as const) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  for (const p of pragmas) db.pragma(p);
  const st = db.prepare(sql).raw(true);
  for (let i = 0; i < 20000; i++) st.get(ids[i % ids.length]);
  const n = 200000; const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) st.get(same ? ids[0] : ids[(i * 7) % ids.length]);
  console.log(label.padEnd(22), (Number(process.hrtime.bigint() - t) / 1000 / n).toFixed(2), 'µs/get');
  db.close();
}
