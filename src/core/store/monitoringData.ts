/**
 * A command that writes checks that its source holds monitoring data first: a mistyped path,
 * or a folder that is not the service's data folder, must not quietly gain files (or a database
 * gain tables) that nothing else will ever read.
 */
import { PitwallError } from '../errors';
import { messages } from '../messages';
import type { Store } from './store';

/**
 * Refuses (an input error naming the path) a writable source with none of the monitoring files
 * or tables, unless `create` asks for one. A source that cannot be written is left to refuse
 * the write itself, with its own reason.
 */
export async function checkHoldsMonitoringData(store: Store, path: string, create: boolean): Promise<void> {
  if (create || store.monitoringData === undefined) return;
  if ((await store.monitoringData()).length > 0) return;
  if (!(await store.describe()).writable) return;
  throw new PitwallError('input', messages.sourceHoldsNoData(path));
}
