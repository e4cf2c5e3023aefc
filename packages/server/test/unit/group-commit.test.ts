import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createGroupCommit, SHARE_FROM } from '../../src/ledger/group-commit.js';

/** One call of the write function, settled by the test. */
interface WriteCall {
  items: readonly string[];
  succeed(): void;
  fail(error: unknown): void;
}

/**
 * A write function whose calls the test settles by hand: `call(n)` resolves with the n-th call
 * (0-based) once it has been made, so tests wait on events, never on time.
 */
function controlledWrite() {
  const calls: WriteCall[] = [];
  const waiting = new Map<number, (call: WriteCall) => void>();
  function write(items: readonly string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const call: WriteCall = { items: [...items], succeed: resolve, fail: reject };
      calls.push(call);
      waiting.get(calls.length - 1)?.(call);
    });
  }
  function call(index: number): Promise<WriteCall> {
    const made = calls[index];
    if (made !== undefined) return Promise.resolve(made);
    return new Promise((resolve) => waiting.set(index, resolve));
  }
  return { write, call, calls };
}

/** Settles to 'resolved' or the rejection, so a test can assert on each caller's outcome. */
function outcome(promise: Promise<void>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
}

describe('createGroupCommit', () => {
  test('writes items committed in the same turn of the event loop as one batch', async () => {
    const { write, call, calls } = controlledWrite();
    const commits = createGroupCommit(write);
    const first = commits.commit('a');
    const second = commits.commit('b');
    await Promise.resolve();
    const third = commits.commit('c'); // a later microtask of the same turn
    const batch = await call(0);
    assert.deepEqual(batch.items, ['a', 'b', 'c']);
    batch.succeed();
    assert.deepEqual(await Promise.all([first, second, third]), [undefined, undefined, undefined]);
    assert.equal(calls.length, 1);
  });

  test('resolves a commit only once its batch has been written', async () => {
    const { write, call } = controlledWrite();
    const commits = createGroupCommit(write);
    let committed = false;
    const done = commits.commit('a').then(() => {
      committed = true;
    });
    const batch = await call(0);
    assert.equal(committed, false);
    batch.succeed();
    await done;
    assert.equal(committed, true);
  });

  test('gathers items arriving during a write into the next batch', async () => {
    const { write, call, calls } = controlledWrite();
    const commits = createGroupCommit(write);
    const early = commits.commit('a');
    const firstBatch = await call(0);
    const late = [commits.commit('b'), commits.commit('c')];
    await Promise.resolve();
    late.push(commits.commit('d'));
    assert.equal(calls.length, 1, 'no second write while the first is in flight');
    firstBatch.succeed();
    await early;
    const secondBatch = await call(1);
    assert.deepEqual(secondBatch.items, ['b', 'c', 'd']);
    secondBatch.succeed();
    await Promise.all(late);
    assert.equal(calls.length, 2);
  });

  test('rejects exactly the callers of a failed batch, and later batches still succeed', async () => {
    const { write, call } = controlledWrite();
    const commits = createGroupCommit(write);
    const failing = [outcome(commits.commit('a')), outcome(commits.commit('b'))];
    const firstBatch = await call(0);
    const later = [outcome(commits.commit('c')), outcome(commits.commit('d'))];
    const diskFull = new Error('SQLITE_FULL: database or disk is full');
    firstBatch.fail(diskFull);
    // Each item of the failed batch is written again on its own, and fails again.
    const retryA = await call(1);
    assert.deepEqual(retryA.items, ['a']);
    retryA.fail(diskFull);
    const retryB = await call(2);
    assert.deepEqual(retryB.items, ['b']);
    retryB.fail(diskFull);
    assert.deepEqual(await Promise.all(failing), [diskFull, diskFull]);
    const secondBatch = await call(3);
    assert.deepEqual(secondBatch.items, ['c', 'd']);
    secondBatch.succeed();
    assert.deepEqual(await Promise.all(later), ['resolved', 'resolved']);
    const afterwards = outcome(commits.commit('e'));
    (await call(4)).succeed();
    assert.equal(await afterwards, 'resolved');
  });

  test('one item that cannot be written fails alone: the rest of its batch is written', async () => {
    const { write, call } = controlledWrite();
    const commits = createGroupCommit(write);
    const results = ['a', 'b', 'c'].map((item) => outcome(commits.commit(item)));
    const duplicate = new Error('duplicate key value violates unique constraint');
    (await call(0)).fail(duplicate);
    const written: string[] = [];
    for (const index of [1, 2, 3]) {
      const retry = await call(index);
      assert.equal(retry.items.length, 1);
      const [item] = retry.items;
      if (item === 'b') retry.fail(duplicate);
      else {
        written.push(item as string);
        retry.succeed();
      }
    }
    assert.deepEqual(written, ['a', 'c']);
    assert.deepEqual(await Promise.all(results), ['resolved', duplicate, 'resolved']);
    assert.equal(commits.pending, 0);
  });

  test('rejects the batch when the write function throws synchronously', async () => {
    const thrown = new Error('constraint failed');
    let calls = 0;
    const commits = createGroupCommit<string>(() => {
      calls += 1;
      if (calls === 1) throw thrown;
      return Promise.resolve();
    });
    assert.equal(await outcome(commits.commit('a')), thrown);
    assert.equal(await outcome(commits.commit('b')), 'resolved');
  });

  test('flush waits for every queued item, including those that arrive during a write', async () => {
    const { write, call } = controlledWrite();
    const commits = createGroupCommit(write);
    const results = [outcome(commits.commit('a'))];
    let flushed = false;
    const flushing = commits.flush().then(() => {
      flushed = true;
    });
    const firstBatch = await call(0);
    results.push(outcome(commits.commit('b')));
    firstBatch.succeed();
    const secondBatch = await call(1);
    // One full turn of the event loop (no timer): time enough for a flush that returned early.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(flushed, false, 'flush resolved before the second batch was written');
    secondBatch.fail(new Error('io error'));
    await flushing;
    assert.equal(commits.pending, 0);
    const settled = await Promise.all(results);
    assert.equal(settled[0], 'resolved');
    assert.ok(settled[1] instanceof Error);
  });

  test('flush resolves at once when nothing is queued', async () => {
    const commits = createGroupCommit<string>(() => Promise.resolve());
    await commits.flush();
    assert.equal(commits.pending, 0);
  });

  test('counts items waiting and being written as pending', async () => {
    const { write, call } = controlledWrite();
    const commits = createGroupCommit(write);
    const first = [commits.commit('a'), commits.commit('b')];
    assert.equal(commits.pending, 2);
    const firstBatch = await call(0);
    const second = commits.commit('c');
    assert.equal(commits.pending, 3);
    firstBatch.succeed();
    await Promise.all(first);
    (await call(1)).succeed();
    await second;
    await commits.flush();
    assert.equal(commits.pending, 0);
  });

  test('splits a queue longer than maxBatch into batches of at most maxBatch, in order', async () => {
    const { write, call } = controlledWrite();
    const commits = createGroupCommit(write, { maxBatch: 2 });
    const all = ['a', 'b', 'c', 'd', 'e'].map((item) => commits.commit(item));
    const sizes: string[][] = [];
    for (let index = 0; index < 3; index++) {
      const batch = await call(index);
      sizes.push([...batch.items]);
      batch.succeed();
    }
    await Promise.all(all);
    assert.deepEqual(sizes, [['a', 'b'], ['c', 'd'], ['e']]);
  });
  test('with maxConcurrent 2, starts a second batch while the first is being written, not a third', async () => {
    const { write, call, calls } = controlledWrite();
    const commits = createGroupCommit(write, { maxConcurrent: 2 });
    const first = commits.commit('a');
    const firstBatch = await call(0);
    const second = commits.commit('b');
    const secondBatch = await call(1);
    assert.deepEqual(secondBatch.items, ['b']);
    const third = [commits.commit('c'), commits.commit('d')];
    // One full turn of the event loop: time enough for a third write to start, if it could.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls.length, 2, 'no third write while two are in flight');
    let flushed = false;
    const flushing = commits.flush().then(() => {
      flushed = true;
    });
    secondBatch.succeed();
    await second;
    const thirdBatch = await call(2);
    assert.deepEqual(thirdBatch.items, ['c', 'd']);
    thirdBatch.succeed();
    await Promise.all(third);
    assert.equal(flushed, false, 'flush resolved while the first batch was in flight');
    firstBatch.succeed();
    await first;
    await flushing;
    assert.equal(commits.pending, 0);
  });

  test('with maxConcurrent 2, shares a backlog between two batches, and a small one goes whole', async () => {
    const { write, call } = controlledWrite();
    const commits = createGroupCommit(write, { maxConcurrent: 2 });
    const items = Array.from({ length: 2 * SHARE_FROM + 1 }, (_, index) => `item-${index}`);
    const all = items.map((item) => commits.commit(item));
    const [firstBatch, secondBatch] = await Promise.all([call(0), call(1)]);
    assert.deepEqual([...firstBatch.items, ...secondBatch.items], items);
    assert.equal(firstBatch.items.length, SHARE_FROM + 1);
    firstBatch.succeed();
    secondBatch.succeed();
    await Promise.all(all);
    const small = Array.from({ length: 2 * SHARE_FROM - 1 }, (_, index) =>
      commits.commit(`small-${index}`),
    );
    const whole = await call(2);
    assert.equal(whole.items.length, 2 * SHARE_FROM - 1);
    whole.succeed();
    await Promise.all(small);
  });
});
