import type { GenerationStore } from '../storage/storage.js';

/**
 * The same store, reporting the size of every batch the ledger's group commit writes (the
 * ledger stays unaware of metrics). Every other member is the store's own.
 */
export function observeBatches(
  store: GenerationStore,
  onBatch: (size: number) => void,
): GenerationStore {
  const insertMany: GenerationStore['insertMany'] = async (rows) => {
    await store.insertMany(rows);
    onBatch(rows.length);
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'insertMany') return insertMany;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
