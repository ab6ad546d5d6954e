/**
 * Evaluating 50 rules (10 metrics × 5 windows, each judged per model version) at the end of
 * 1,000,000 predictions, against computing the same metrics once: for each window and model
 * version, the rows selected and every metric computed a single time. Target ≤ 1.5×: rules
 * share one pass over their window's data. The columns are loaded once, before both.
 *
 *   node --expose-gc --import tsx bench/alerting.ts      (npm run bench -- alerting)
 */
import { AlertEngine } from '../src/core/alerting/engine';
import { TimeIndex } from '../src/core/alerting/evaluate';
import { summarizeMetrics } from '../src/core/analytics/summary';
import { parseDuration } from '../src/core/analytics/duration';
import { AlertRuleSchema } from '../src/core/model/alertRule';
import { openStore } from '../src/core/store/openStore';
import { benchDataset, checkTarget, median } from './data';

const METRICS = ['accuracy', 'f1_score', 'expected_calibration_error', 'brier', 'roc_auc', 'avg_confidence', 'num_predictions', 'precision', 'recall', 'log_loss'];
const WINDOWS = ['1h', '6h', '1d', '3d', '7d'];
const RUNS = 5;

async function main(): Promise<void> {
  const { sqlite } = await benchDataset();
  const store = await openStore(sqlite);
  const index = new TimeIndex(await store.readPredictionColumns());
  await store.close();
  const at = (index.columns.timestamp[index.columns.length - 1] as number) + 1;
  const rules = METRICS.flatMap((metric) =>
    WINDOWS.map((window) =>
      AlertRuleSchema.parse({ rule_id: `${metric}-${window}`, metric_name: metric, metric_type: 'threshold', threshold: 0.5, comparison: '<', severity: 'info', component: 'bench', cooldown_minutes: 0, conditions: { window } }),
    ),
  );
  const versions = [...new Set(index.columns.model_version)].sort();

  const baseline = (): number => {
    let checksum = 0;
    for (const window of WINDOWS) {
      const from = at - parseDuration(window);
      for (const version of versions) {
        const [start, end] = index.rows(from, at);
        const rows: number[] = [];
        for (let i = start; i < end; i++) if (index.columns.model_version[i] === version) rows.push(i);
        const summary = summarizeMetrics({
          length: rows.length,
          predicted: Uint8Array.from(rows, (i) => index.columns.predicted_outcome[i] as number),
          confidence: Float64Array.from(rows, (i) => index.columns.confidence[i] as number),
          actual: Int8Array.from(rows, (i) => index.columns.actual_outcome[i] as number),
        });
        checksum += summary.count;
      }
    }
    return checksum;
  };

  const engineTimes: number[] = [];
  const baselineTimes: number[] = [];
  let verdicts = 0;
  for (let run = 0; run < RUNS; run++) {
    globalThis.gc?.();
    let start = performance.now();
    baseline();
    baselineTimes.push(performance.now() - start);
    globalThis.gc?.();
    start = performance.now();
    const result = new AlertEngine(rules).step(index, at);
    engineTimes.push(performance.now() - start);
    verdicts = result.verdicts.length;
  }
  const ratio = median(engineTimes) / median(baselineTimes);
  process.stdout.write(
    `50 rules (${METRICS.length} metrics × ${WINDOWS.length} windows, ${verdicts} scope verdicts) at the end of ${index.columns.length.toLocaleString('en-US')} predictions: engine ${median(engineTimes).toFixed(0)} ms, the same metrics computed once ${median(baselineTimes).toFixed(0)} ms → ratio ${ratio.toFixed(2)}× (target ≤ 1.5×)\n`,
  );
  checkTarget(ratio <= 1.5, `alerting: ${ratio.toFixed(2)}× the same metrics computed once (target ≤ 1.5)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
