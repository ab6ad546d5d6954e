import { openStore } from '../../src/core/store/openStore';
import type { Store } from '../../src/core/store/store';

/** Opens a source, runs `use` on its store, and closes it whatever happens. */
export async function withOpenStore<T>(path: string, use: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(path);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
