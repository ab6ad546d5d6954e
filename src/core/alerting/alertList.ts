/**
 * The alerts of a filter, open ones first (each part newest first), at most `limit`: what
 * `pitwall alerts` lists and a PQL `alerts` query returns. Without a rule it is one store query
 * per part with its limit; with one, pages are read and kept while they match.
 */
import { readAlertDetails, type AlertDetail } from './alertDetails';
import type { AlertFilter, Store, StoredAlert } from '../store/store';

/** Alerts read at a time while looking for those of one rule. */
const RULE_PAGE = 1000;

export type DetailedAlert = StoredAlert & AlertDetail;

/** `acknowledged`: only open alerts (false), only acknowledged ones (true), or both, open first (undefined). */
export async function readOpenFirst(store: Store, filter: AlertFilter, limit: number, rule: string | undefined, acknowledged?: boolean): Promise<DetailedAlert[]> {
  const found: DetailedAlert[] = [];
  for (const part of acknowledged === undefined ? [false, true] : [acknowledged]) {
    if (rule === undefined) {
      const wanted = limit - found.length;
      if (wanted <= 0) break;
      const page = await store.readAlerts({ ...filter, acknowledged: part, limit: wanted });
      const details = await readAlertDetails(store, page);
      found.push(...page.map((alert) => ({ ...alert, ...(details.get(alert.key) as AlertDetail) })));
      continue;
    }
    for (let offset = 0; found.length < limit; offset += RULE_PAGE) {
      const page = await store.readAlerts({ ...filter, acknowledged: part, offset, limit: RULE_PAGE });
      const details = await readAlertDetails(store, page);
      for (const alert of page) {
        const detail = details.get(alert.key) as AlertDetail;
        if (detail.rule_id === rule && found.length < limit) found.push({ ...alert, ...detail });
      }
      if (page.length < RULE_PAGE) break;
    }
  }
  return found;
}
