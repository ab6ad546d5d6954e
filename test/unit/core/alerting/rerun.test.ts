import { strict as assert } from 'node:assert';
import { AlertEngine } from '../../../../src/core/alerting/engine';
import { evaluateOnce } from '../../../../src/core/alerting/run';
import { channelSettingsFromEnv } from '../../../../src/core/alerting/channels/settings';
import type { AlertRule } from '../../../../src/core/model/alertRule';
import { openJsonlStore, type JsonlStore } from '../../../../src/core/store/jsonl/jsonlStore';
import type { Store } from '../../../../src/core/store/store';
import { makeTempDir, predictionLine, type TempDir } from '../store/jsonl/support';

const AT = 1790814189.5 + 600;

const TRAFFIC: AlertRule = {
  rule_id: 'traffic',
  metric_name: 'num_predictions',
  metric_type: 'threshold',
  threshold: 0,
  comparison: '>',
  severity: 'info',
  component: 'traffic',
  enabled: true,
  cooldown_minutes: 600,
  channels: ['console'],
  conditions: { window: '1h' },
  for_minutes: 0,
  min_samples: 1,
  last_triggered: null,
};

/** The store, as seen by a process that dies when it reaches `method` (before that write happens). */
function crashingAt(store: Store, method: keyof Store): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === method) return () => Promise.reject(new Error(`the process died before ${method}`));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('An evaluation that dies between its writes, run again by a new process', function () {
  let temp: TempDir;
  let store: JsonlStore;
  beforeEach(async function () {
    temp = makeTempDir();
    temp.append('predictions.jsonl', `${[1, 2, 3].map((i) => predictionLine(`p${i}`)).join('\n')}\n`);
    store = await openJsonlStore(temp.path, { tornTailGraceMs: 50, lateAppendGraceMs: 5 });
    await store.saveRule(TRAFFIC);
  });
  afterEach(async function () {
    await store.close();
    temp.remove();
  });

  /** One process's evaluation at `at`: its console notices, once delivery is done. */
  async function evaluate(target: Store, at: number): Promise<string[]> {
    const notices: string[] = [];
    const outcome = await evaluateOnce(target, new AlertEngine([]), at, channelSettingsFromEnv({}), (line) => notices.push(line));
    await outcome.delivery;
    return notices;
  }

  for (const method of ['appendAlert', 'markRuleTriggered', 'updateAlertStates'] as const) {
    it(`records one alert and notifies once when the first process died before ${method}`, async function () {
      await assert.rejects(evaluate(crashingAt(store, method), AT), /the process died/);
      const notices = [...(await evaluate(store, AT + 60)), ...(await evaluate(store, AT + 120))];
      const alerts = await store.readAlerts({ limit: 100 });
      assert.deepEqual(alerts.map((alert) => alert.title), ['TRAFFIC: num_predictions Alert']);
      assert.equal(notices.length, 1, notices.join('\n'));
      assert.equal((await store.readRules())[0]?.last_triggered !== null, true, 'the cooldown is recorded');
    });
  }
});
