/**
 * The Alerts view's groups and pages as the store counts and pages them, for every grouping and
 * under filters, on a folder and on a database: each checked against the alerts read whole and
 * grouped here, alert by alert; silences make alerts `silenced`; "(none)" groups keep every alert.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import {
  ALERT_GROUPINGS,
  alertRule,
  alertState,
  countUrgentAlerts,
  readAlertViewContext,
  readAlertViewGroups,
  readAlertViewPage,
  type AlertGrouping,
  type AlertViewContext,
  type AlertViewFilter,
} from '../../../src/core/alertGroups';
import { asciiLower } from '../../../src/core/store/alertFilter';
import { openStore } from '../../../src/core/store/openStore';
import type { Store, StoredAlert } from '../../../src/core/store/store';

const NOW = 1_900_000_000;

function groupKey(grouping: AlertGrouping, alert: StoredAlert, context: AlertViewContext): string | null {
  switch (grouping) {
    case 'severity':
      return alert.severity;
    case 'modelVersion':
      return alert.model_version;
    case 'component':
      return alert.component;
    case 'rule':
      return alertRule(alert, context)?.rule_id ?? null;
    case 'state':
      return alertState(alert, context);
  }
}

/** The filter applied alert by alert, independently of the stores' code. */
function selects(filter: AlertViewFilter, alert: StoredAlert, context: AlertViewContext): boolean {
  const text = filter.text === undefined ? undefined : asciiLower(filter.text);
  return (
    (text === undefined || [alert.title, alert.message, alert.alert_id].some((field) => field !== null && asciiLower(field).includes(text))) &&
    (filter.severities === undefined || filter.severities.includes(alert.severity)) &&
    (filter.state === undefined || alertState(alert, context) === filter.state) &&
    (filter.modelVersion === undefined || alert.model_version === filter.modelVersion) &&
    (filter.from === undefined || alert.timestamp >= filter.from) &&
    (filter.to === undefined || alert.timestamp < filter.to)
  );
}

describe('alertGroups: the Alerts view grouped, filtered and paged by the store', function () {
  this.timeout(120_000);
  let dir = '';
  let sources: string[] = [];
  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'pitwall-alert-groups-'));
    const generated = await generateDataset({ outDir: dir, predictions: 4000, seed: 21 });
    sources = [generated.jsonlDir as string, generated.databasePath as string];
    for (const path of sources) {
      const store = await openStore(path);
      try {
        // Alerts no rule, version or component names, so the "(none)" groups have something to keep.
        for (const [index, severity] of (['critical', 'warning', 'info'] as const).entries()) {
          await store.appendAlert({
            timestamp: 1_792_000_000 + index,
            severity,
            title: `Manual Check ${index}`,
            message: `operator note ${index} for v1.0, circuit=Monza`,
            metric_name: 'manual',
            metric_value: null,
            threshold: null,
            component: null,
            model_version: null,
            acknowledged: false,
            acknowledged_at: null,
            acknowledged_by: null,
          });
        }
        await store.saveSilence({ id: 'snooze-acc', matchers: { rule_id: 'acc_warn', model_version: 'v1.1' }, starts_at: NOW - 60, ends_at: NOW + 3600, comment: '', created_by: 'test', created_at: NOW - 60 });
        await store.saveSilence({ id: 'segment', matchers: { segment: 'circuit=Monza' }, starts_at: NOW - 60, ends_at: NOW + 3600, comment: '', created_by: 'test', created_at: NOW - 60 });
        await store.saveSilence({ id: 'ended', matchers: { rule_id: 'ece_high' }, starts_at: NOW - 7200, ends_at: NOW - 3600, comment: '', created_by: 'test', created_at: NOW - 7200 });
      } finally {
        await store.close();
      }
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function check(store: Store, grouping: AlertGrouping, filter: AlertViewFilter, label: string): Promise<number> {
    const context = await readAlertViewContext(store, NOW);
    const all = (await store.readAlerts()).filter((alert) => selects(filter, alert, context));
    const groups = await readAlertViewGroups(store, grouping, filter, context);
    const expected = new Map<string | null, StoredAlert[]>();
    for (const alert of all) {
      const key = groupKey(grouping, alert, context);
      expected.set(key, [...(expected.get(key) ?? []), alert]);
    }
    assert.deepEqual(new Set(groups.map((g) => g.key)), new Set(expected.keys()), `${label}: the groups`);
    assert.equal(groups.reduce((sum, g) => sum + g.total, 0), all.length, `${label}: no alert dropped`);
    if (groups.some((g) => g.key === null)) assert.equal(groups.at(-1)?.key, null, `${label}: "(none)" comes last`);
    for (const group of groups) {
      const members = expected.get(group.key) ?? [];
      const open = members.filter((a) => !a.acknowledged);
      const whole = [...open, ...members.filter((a) => a.acknowledged)].map((a) => a.key);
      assert.equal(group.total, members.length, `${label} ${group.key}: total`);
      assert.equal(group.open, open.length, `${label} ${group.key}: open`);
      for (const size of [4, 1000]) {
        const paged: string[] = [];
        for (let offset = 0; offset < group.total; offset += size) paged.push(...(await readAlertViewPage(store, group, filter, context, offset, size)).map((a) => a.key));
        assert.deepEqual(paged, whole, `${label} ${group.key}: pages of ${size}, open first, newest first`);
      }
    }
    return all.length;
  }

  it('groups by each grouping, counts and pages match the alerts one by one, on a folder and a database', async function () {
    for (const path of sources) {
      const store = await openStore(path, { readOnly: 'test' });
      try {
        const total = await store.countAlerts();
        for (const grouping of ALERT_GROUPINGS) assert.equal(await check(store, grouping, {}, `${path} ${grouping}`), total);
        const context = await readAlertViewContext(store, NOW);
        const byRule = await readAlertViewGroups(store, 'rule', {}, context);
        assert.ok(byRule.some((g) => g.key === 'acc_low') && byRule.some((g) => g.key === null), `${path}: rules and "(none)"`);
        const byVersion = await readAlertViewGroups(store, 'modelVersion', {}, context);
        assert.deepEqual(byVersion.map((g) => g.key), ['v1.0', 'v1.1', null]);
        const bySeverity = await readAlertViewGroups(store, 'severity', {}, context);
        assert.deepEqual(bySeverity.map((g) => g.key), ['critical', 'warning', 'info']);
      } finally {
        await store.close();
      }
    }
  });

  it('filters by text, severity, state, version and time, as the alerts read whole say', async function () {
    for (const path of sources) {
      const store = await openStore(path, { readOnly: 'test' });
      try {
        const newest = (await store.readAlerts({ limit: 1 }))[0] as StoredAlert;
        const filters: AlertViewFilter[] = [
          { text: 'ACCURACY' },
          { text: newest.alert_id.slice(-6).toUpperCase() },
          { text: 'nothing has this text' },
          { severities: ['critical', 'info'] },
          { state: 'open' },
          { state: 'silenced' },
          { state: 'acknowledged' },
          { modelVersion: 'v1.1' },
          { modelVersion: null },
          { from: newest.timestamp - 86_400 * 3, to: newest.timestamp },
          { text: 'accuracy', severities: ['warning'], state: 'open', modelVersion: 'v1.0' },
        ];
        for (const filter of filters) {
          for (const grouping of ALERT_GROUPINGS) await check(store, grouping, filter, `${path} ${grouping} ${JSON.stringify(filter)}`);
        }
        const context = await readAlertViewContext(store, NOW);
        assert.equal((await readAlertViewGroups(store, 'severity', { text: newest.alert_id.toUpperCase() }, context)).reduce((s, g) => s + g.total, 0) >= 1, true, 'an alert found by its id');
        assert.deepEqual(await readAlertViewGroups(store, 'severity', { text: 'nothing has this text' }, context), []);
      } finally {
        await store.close();
      }
    }
  });

  it('an active silence makes its alerts silenced; an ended one does not; the badge leaves them out', async function () {
    for (const path of sources) {
      const store = await openStore(path, { readOnly: 'test' });
      try {
        const context = await readAlertViewContext(store, NOW);
        const silenced = await readAlertViewGroups(store, 'state', { state: 'silenced' }, context);
        const group = silenced[0];
        assert.ok(group !== undefined && group.key === 'silenced');
        const alerts = await readAlertViewPage(store, group, { state: 'silenced' }, context, 0, 1000);
        assert.ok(alerts.some((a) => a.metric_name === 'accuracy' && a.threshold === 0.78 && a.model_version === 'v1.1'), `${path}: the rule and version silenced`);
        assert.ok(alerts.some((a) => a.metric_name === 'manual'), `${path}: the segment silenced`);
        assert.ok(alerts.every((a) => !a.acknowledged && a.metric_name !== 'expected_calibration_error'), `${path}: the ended silence mutes nothing`);
        const all = await store.readAlerts();
        const urgent = all.filter((a) => (a.severity === 'critical' || a.severity === 'warning') && alertState(a, context) === 'open').length;
        assert.equal(await countUrgentAlerts(store, context), urgent);
        const later = await readAlertViewContext(store, NOW + 7200);
        assert.deepEqual(await readAlertViewGroups(store, 'state', { state: 'silenced' }, later), [], 'silences end by themselves');
      } finally {
        await store.close();
      }
    }
  });

  it('a folder and its database group alike', async function () {
    const [folder, database] = await Promise.all(sources.map((path) => openStore(path, { readOnly: 'test' })));
    try {
      for (const grouping of ALERT_GROUPINGS) {
        const [a, b] = await Promise.all([folder, database].map(async (store) => (await readAlertViewGroups(store as Store, grouping, {}, await readAlertViewContext(store as Store, NOW))).map((g) => [g.key, g.total, g.open])));
        assert.deepEqual(a, b, grouping);
      }
    } finally {
      await Promise.all([folder?.close(), database?.close()]);
    }
  });
});
