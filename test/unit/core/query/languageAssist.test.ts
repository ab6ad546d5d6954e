import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WATCHABLE_METRICS } from '../../../../src/core/alerting/evaluate';
import { ALL_METRIC_NAMES } from '../../../../src/core/analytics/metricNames';
import { STAGES } from '../../../../src/core/query/ast';
import { checkQuery } from '../../../../src/core/query/check';
import { completeAt, type CompletionContext } from '../../../../src/core/query/complete';
import { hoverAt } from '../../../../src/core/query/hover';
import { CHART_KINDS } from '../../../../src/core/query/plan';
import { metricDoc, pqlReferenceMarkdown, STAGE_DOCS } from '../../../../src/core/query/reference';

const SCHEMA = { features: ['circuit', 'track_temp'], metadata: ['race_id', 'region'], versions: ['v1.0', 'v1.1'], rules: ['acc_low', 'ece_high'] };
const CONTEXT: CompletionContext = { schema: SCHEMA, lets: ['late'] };

/** Completion at the `‸` of a text. */
function complete(marked: string, context = CONTEXT) {
  const offset = marked.indexOf('‸');
  const text = marked.replace('‸', '');
  const result = completeAt(text, offset, context);
  return { labels: result.items.map((item) => item.label), items: result.items, replaced: text.slice(result.replace.start, result.replace.end) };
}

function hover(marked: string) {
  const offset = marked.indexOf('‸');
  const text = marked.replace('‸', '');
  const found = hoverAt(text, offset);
  return found === undefined ? undefined : { markdown: found.markdown, word: text.slice(found.span.start, found.span.end) };
}

describe('PQL in the editor: completion, hover and checks (kernel functions)', () => {
  describe('completion', () => {
    it('offers sources, let and the names of earlier lets where a statement starts', () => {
      for (const marked of ['‸', 'alerts | take 5\n‸', 'alerts | take 5; ‸', 'let x = ‸']) {
        const { labels } = complete(marked);
        assert.ok(['predictions', 'alerts', 'rules', 'health', 'late'].every((label) => labels.includes(label)), `${marked}: ${labels.join(' ')}`);
        assert.equal(labels.includes('let'), !marked.startsWith('let'), marked);
      }
    });

    it('offers every stage after | on predictions, and only table stages on a table or after the analysis', () => {
      assert.deepEqual(complete('predictions | ‸').labels, [...STAGES]);
      assert.deepEqual(complete('predictions\n  | window 1h\n  | ‸').labels, [...STAGES]);
      assert.deepEqual(complete('alerts | ‸').labels, ['where', 'sort', 'take', 'select', 'chart']);
      assert.deepEqual(complete('predictions | calibration | ‸').labels, ['where', 'sort', 'take', 'select', 'chart']);
      assert.equal(complete('predictions | ‸').items[1]?.detail, STAGE_DOCS.window.syntax);
    });

    it('offers the window metrics after `metrics ` with a window, the whole-range ones without, and not those already given', () => {
      const windowed = complete('predictions | window 1h | metrics ‸');
      assert.ok(['accuracy', 'ece', 'roc_auc', 'ece_mass', 'f1_score', 'bins=', 'min_labels='].every((label) => windowed.labels.includes(label)));
      assert.ok(!windowed.labels.includes('strategy=') && !windowed.labels.includes('count'));
      const whole = complete('predictions | metrics ‸').labels;
      assert.ok(whole.includes('accuracy') && whole.includes('strategy=') && !whole.includes('ece_mass'));
      const rest = complete('predictions | window 1h | metrics accuracy, ‸').labels;
      assert.ok(!rest.includes('accuracy') && rest.includes('ece'));
      const typing = complete('predictions | window 1h | metrics acc‸');
      assert.equal(typing.replaced, 'acc');
      assert.ok(typing.labels.includes('accuracy'));
      assert.deepEqual(complete('predictions | metrics accuracy strategy=‸').labels, ['uniform', 'mass']);
    });

    it("offers fields after `where` and `by`, and the open source's versions, rule ids, features and metadata keys", () => {
      assert.ok(['model_version', 'timestamp'].every((label) => complete('predictions | where ‸').labels.includes(label)));
      assert.ok(complete('predictions | where ‸').labels.includes('ago'));
      const versions = complete('predictions | where model_version == ‸');
      assert.deepEqual(versions.labels, ['v1.0', 'v1.1']);
      assert.equal(versions.items[1]?.insertText, '"v1.1"');
      const inString = complete('predictions | where model_version == "v1‸');
      assert.equal(inString.replaced, 'v1');
      assert.deepEqual(inString.items.map((item) => item.insertText), ['v1.0', 'v1.1']);
      assert.deepEqual(complete('alerts | where rule_id == ‸').labels, ['acc_low', 'ece_high']);
      assert.deepEqual(complete('alerts | where severity == ‸').labels, ['info', 'warning', 'critical']);
      assert.ok(complete('alerts | where ‸').labels.includes('acknowledged'));
      assert.ok(complete('predictions | where model_version ‸').labels.includes('=='));
      assert.deepEqual(complete('predictions | where timestamp > ‸').labels, ['ago', 'now']);
      assert.deepEqual(complete('predictions | where timestamp > ago(‸').labels, ['5m', '15m', '30m', '1h', '6h', '1d', '7d']);
      assert.deepEqual(complete('predictions | window 1h | by ‸').labels, ['model_version', 'circuit', 'track_temp', 'metadata.race_id', 'metadata.region']);
      assert.deepEqual(complete('predictions | window 1h | by metadata.‸').labels, ['race_id', 'region']);
      assert.deepEqual(complete('predictions | window 1h | by metadata.re‸').replaced, 're');
      assert.deepEqual(complete('predictions | window 1h | by ‸', {}).labels, ['model_version']);
    });

    it('offers durations, drift statistics and features, the alert clause word by word, chart kinds and versions to compare', () => {
      assert.deepEqual(complete('predictions | window ‸').labels, ['5m', '15m', '30m', '1h', '6h', '1d', '7d']);
      assert.deepEqual(complete('predictions | window 1h ‸').labels, ['slide', 'fill']);
      assert.deepEqual(complete('predictions | window 1h slide ‸').labels.length, 7);
      const drift = complete('predictions | reference 2026-10-01..2026-10-08 | drift ‸');
      assert.deepEqual(drift.labels, ['psi', 'ks', 'wasserstein', 'chi_square', 'js']);
      assert.equal(drift.items[0]?.snippet, 'psi(${1:feature})');
      assert.deepEqual(complete('predictions | reference 2026-10-01..2026-10-08 | drift psi(‸').labels, ['circuit', 'track_temp']);
      assert.deepEqual(complete('predictions | window 1h | alert ‸').labels, ['when']);
      assert.deepEqual(complete('predictions | window 1h | alert when ‸').labels, [...WATCHABLE_METRICS]);
      assert.deepEqual(complete('predictions | window 1h | alert when accuracy ‸').labels, ['==', '!=', '<', '<=', '>', '>=']);
      assert.deepEqual(complete('predictions | window 1h | alert when accuracy < 0.7 ‸').labels, ['for', 'severity']);
      assert.deepEqual(complete('predictions | window 1h | alert when accuracy < 0.7 for ‸').labels.length, 7);
      assert.deepEqual(complete('predictions | window 1h | alert when accuracy < 0.7 for 15m ‸').labels, ['severity']);
      assert.deepEqual(complete('predictions | window 1h | alert when accuracy < 0.7 for 15m severity ‸').labels, ['info', 'warning', 'critical']);
      assert.deepEqual(complete('predictions | window 1h | chart ‸').labels, [...CHART_KINDS]);
      assert.deepEqual(complete('predictions | compare ‸').labels, ['v1.0', 'v1.1']);
      assert.deepEqual(complete('predictions | window 1h | sort window_start ‸').labels, ['desc', 'asc']);
    });
  });

  describe('hover', () => {
    it("shows a stage's syntax and summary, the same text as docs/pql.md", () => {
      const shown = hover('predictions | win‸dow 1h | metrics accuracy');
      assert.equal(shown?.word, 'window');
      assert.equal(shown?.markdown, `**stage window** · \`${STAGE_DOCS.window.syntax}\`\n\n${STAGE_DOCS.window.summary}`);
      assert.match(hover('predictions\n  | alert‸ when accuracy < 0.7 severity info')?.markdown ?? '', /^\*\*stage alert\*\*/);
    });

    it('tells a stage from a source, and documents metrics and functions; other words have no hover', () => {
      assert.match(hover('predictions | window 1d | hea‸lth')?.markdown ?? '', /^\*\*stage health\*\*/);
      assert.match(hover('alerts | take 1\nhea‸lth | take 3')?.markdown ?? '', /^\*\*source health\*\*/);
      assert.match(hover('predictions | window 1h | metrics f1_sc‸ore')?.markdown ?? '', /^\*\*metric f1_score\*\* · `f1, f1_score`\n\nHarmonic mean of precision and recall/);
      assert.match(hover('predictions | where timestamp > a‸go(7d)')?.markdown ?? '', /^\*\*function ago\*\*/);
      assert.match(hover('predictions | reference 2026-10-01..2026-10-08 | drift p‸si(circuit)')?.markdown ?? '', /population stability index/);
      assert.equal(hover('predictions | where model_ver‸sion == "v1"'), undefined);
      assert.equal(hover('predictions | where model_version == "acc‸uracy"'), undefined);
    });

    it('has a text for every stage and for every metric name the kernel accepts', () => {
      for (const stage of STAGES) assert.ok(STAGE_DOCS[stage].summary.length > 10, stage);
      for (const name of new Set([...ALL_METRIC_NAMES, ...WATCHABLE_METRICS])) assert.ok(metricDoc(name) !== undefined, name);
    });

    it("docs/pql.md's quick reference is the kernel's, word for word", () => {
      const page = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'pql.md'), 'utf8');
      const section = /<!-- reference:begin -->\n([\s\S]*?)<!-- reference:end -->/.exec(page)?.[1];
      assert.equal(section, pqlReferenceMarkdown(), 'regenerate the section from pqlReferenceMarkdown()');
    });
  });

  describe('checks while typing', () => {
    it('reports every broken statement at its span with its code and hint, and names the open source knows', () => {
      const text = 'predictions | window 1h | metrics acuracy\nalerts | take 5\npredictions | where model_version == "v11" | window 1h | metrics accuracy';
      const errors = checkQuery(text, { now: 0, schema: SCHEMA });
      assert.deepEqual(
        errors.map((e) => ({ code: e.code, at: text.slice(e.span.start, e.span.end), hint: e.hint })),
        [
          { code: 'unknown-metric', at: 'acuracy', hint: 'did you mean `accuracy`?' },
          { code: 'unknown-version', at: '"v11"', hint: 'did you mean `v1.1`?' },
        ],
      );
      assert.deepEqual(checkQuery('predictions | window 1h | metrics accuracy', { now: 0, schema: SCHEMA }), []);
    });
  });
});
