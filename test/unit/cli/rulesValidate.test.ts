import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../src/core/store/openStore';
import type { StoreDiagnostic } from '../../../src/core/store/store';
import { pitwall } from './runCli';

function rule(ruleId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { rule_id: ruleId, metric_name: 'accuracy', metric_type: 'threshold', threshold: 0.8, comparison: '<', severity: 'warning', component: 'performance', ...extra };
}

/** Element texts as a file holds them, joined into the array the way json.dumps(indent=2) lays it out. */
function arrayText(elements: readonly string[]): string {
  return `[\n  ${elements.join(',\n  ')}\n]`;
}

const DEEP = 100_000;

/** One file of everything that goes wrong in rule files, around good rules that must still load. */
const HOSTILE: readonly string[] = [
  JSON.stringify(rule('g0')),
  JSON.stringify(rule('acc_low', { comparison: '≈' })),
  JSON.stringify(rule('thr_text', { threshold: '0.5' })),
  JSON.stringify(rule('cool_neg', { cooldown_minutes: -5 })),
  JSON.stringify(rule('cool_huge', { cooldown_minutes: 1e300 })),
  JSON.stringify(rule('cool_2_60', { cooldown_minutes: 2 ** 60 })),
  // Own `__proto__` and `constructor` keys, as JSON.parse makes them from a file.
  '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, ' + JSON.stringify(rule('proto_top')).slice(1),
  JSON.stringify(rule('proto_cond')).slice(0, -1) + ', "conditions": {"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "window": "6h"}}',
  JSON.stringify(rule('deep')).slice(0, -1) + `, "conditions": {"deep": ${'['.repeat(DEEP)}${']'.repeat(DEEP)}}}`,
  JSON.stringify(rule('g9')),
  '42',
  JSON.stringify(rule('g0', { threshold: 0.1 })),
  JSON.stringify(rule('bad_window', { conditions: { window: 'six hours', segment: { feature: 'a', metadata: 'b' } } })),
];

/** index → the field the problem names ('' for the record as a whole). */
const HOSTILE_ERRORS: readonly [number, string][] = [
  [1, 'comparison'],
  [2, 'threshold'],
  [3, 'cooldown_minutes'],
  [4, 'cooldown_minutes'],
  [5, 'cooldown_minutes'],
  [8, 'conditions'],
  [10, ''],
  [11, 'rule_id'],
];

interface ValidateJson {
  file: string;
  rules: number;
  valid: number;
  problems: { severity: string; index: number | null; rule_id: string | null; field: string | null; reason: string; message: string }[];
}

describe('pitwall rules validate, and hostile rule files', () => {
  let root: string;
  let count = 0;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-rules-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  afterEach(() => {
    // Nothing any rule file held reached a prototype.
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
  });

  /** A JSONL source folder whose alert_rules.json holds exactly these bytes. */
  function folderWith(content: string | Buffer): { folder: string; file: string } {
    const folder = join(root, `source${count++}`);
    mkdirSync(folder);
    const file = join(folder, 'alert_rules.json');
    writeFileSync(file, content);
    return { folder, file };
  }

  function snapshot(folder: string): Record<string, string> {
    return Object.fromEntries(readdirSync(folder).map((name) => [name, readFileSync(join(folder, name)).toString('base64')]));
  }

  async function validate(file: string): Promise<{ status: number; json: ValidateJson; stderr: string; stdout: string }> {
    const human = await pitwall('rules', 'validate', file);
    const data = await pitwall('rules', 'validate', file, '--json');
    assert.equal(data.status, human.status);
    return { status: human.status, stdout: human.stdout, stderr: human.stderr, json: JSON.parse(data.stdout) as ValidateJson };
  }

  async function readStore(folder: string): Promise<{ ids: string[]; diagnostics: StoreDiagnostic[]; conditionKeys: Record<string, string[]> }> {
    const store = await openStore(folder);
    try {
      const rules = await store.readRules();
      const diagnostics = (await store.describe()).diagnostics.filter((d) => d.file.endsWith('alert_rules.json'));
      return { ids: rules.map((r) => r.rule_id), diagnostics, conditionKeys: Object.fromEntries(rules.map((r) => [r.rule_id, Object.keys(r.conditions)])) };
    } finally {
      await store.close();
    }
  }

  /** `rule add` attempts that must be refused leave every byte of the folder as it was. */
  async function refusedAdds(folder: string, ruleIds: readonly string[] = []): Promise<void> {
    const before = snapshot(folder);
    const attempts: Record<string, unknown>[] = [rule('acc_bad', { comparison: '≈' }), rule('nan_text', { threshold: 'NaN' }), ...ruleIds.map((id) => rule(id))];
    for (const [i, attempt] of attempts.entries()) {
      const input = join(root, `attempt${count++}.json`);
      writeFileSync(input, JSON.stringify(attempt));
      const { status } = await pitwall('rule', 'add', folder, input);
      assert.notEqual(status, 0, `attempt ${i} was refused`);
    }
    const hostileKey = join(root, `attempt${count++}.json`);
    writeFileSync(hostileKey, '{"__proto__": {"polluted": true}, ' + JSON.stringify(rule('proto_add')).slice(1));
    assert.equal((await pitwall('rule', 'add', folder, hostileKey)).status, 2);
    assert.deepEqual(snapshot(folder), before);
  }

  it('says "N rules valid" and exits 0 for a good file, and lists the problems of a bad one with index, rule_id and field', async () => {
    const good = folderWith(JSON.stringify([rule('a'), rule('b', { conditions: { window: '6h', model_versions: ['v1'] } }), rule('c_psi', { metric_type: 'drift', metric_name: 'track_temp_psi' })], null, 2));
    const ok = await validate(good.file);
    assert.equal(ok.status, 0);
    assert.equal(ok.stdout, '3 rules valid\n');
    assert.equal(ok.stderr, '');
    assert.deepEqual(ok.json.problems, []);

    const bad = folderWith(JSON.stringify([rule('a'), rule('b'), rule('acc_low', { comparison: '≈' }), rule('a'), rule('d', { metric_type: 'drift', metric_name: 'accuracy' })], null, 2));
    const result = await validate(bad.file);
    assert.equal(result.status, 2);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines[0], 'rule 2 ("acc_low"): comparison must be one of "<", "<=", ">", ">=", "==", "!=", not "≈"');
    assert.equal(lines[1], 'rule 3 ("a"): rule_id is already used by rule 0, which is the one loaded; this rule would be skipped');
    assert.match(lines[2] ?? '', /^rule 4 \("d"\): .*drift rule.*names no feature and statistic/);
    assert.equal(lines.at(-1), 'alert_rules.json: 3 problems; 2 of 5 rules valid.');
    assert.deepEqual(
      result.json.problems.map((p) => [p.severity, p.index, p.rule_id, p.field]),
      [
        ['error', 2, 'acc_low', 'comparison'],
        ['error', 3, 'a', 'rule_id'],
        ['error', 4, 'd', null],
      ],
    );
    assert.deepEqual([result.json.rules, result.json.valid], [5, 2]);
  });

  it('checks the engine options in conditions field by field, and warns of unknown fields without failing', async () => {
    const { file } = folderWith(
      JSON.stringify([
        rule('opts', { conditions: { window: 'six hours', min_label_coverage: 2, statistic: 'kl', segment: { feature: 'a', metadata: 'b' }, python_key: [1] } }),
        rule('typo', { cooldown_minuts: 5 }),
      ]),
    );
    const result = await validate(file);
    assert.equal(result.status, 2);
    assert.deepEqual(
      result.json.problems.map((p) => [p.severity, p.index, p.field]),
      [
        ['error', 0, 'conditions.window'],
        ['error', 0, 'conditions.min_label_coverage'],
        ['error', 0, 'conditions.segment'],
        ['error', 0, 'conditions.statistic'],
        ['warning', 0, 'conditions.python_key'],
        ['warning', 1, 'cooldown_minuts'],
      ],
    );
    assert.match(result.stderr, /^rule 0 \("opts"\): conditions\.window must be a duration such as 15m, 6h or 7d$/m);
    assert.match(result.stderr, /^rule 0 \("opts"\): conditions\.statistic must be one of "psi", "ks", "wasserstein", "chi_square", "js", not "kl"$/m);
    assert.match(result.stderr, /^warning: rule 1 \("typo"\): cooldown_minuts is not a field Pitwall knows/m);

    const onlyWarning = folderWith(JSON.stringify([rule('typo', { cooldown_minuts: 5 })]));
    const warned = await validate(onlyWarning.file);
    assert.equal(warned.status, 0);
    assert.equal(warned.stdout, '1 rule valid\n');
    assert.match(warned.stderr, /^warning: rule 0/);
  });

  it('reports every hostile element; the store loads the good rules, names index and field of each bad one, and writes nothing back', async () => {
    const text = arrayText(HOSTILE);
    const { folder, file } = folderWith(text);
    const before = snapshot(folder);

    const result = await validate(file);
    assert.equal(result.status, 2);
    const errors = result.json.problems.filter((p) => p.severity === 'error');
    assert.deepEqual(
      [...new Map(errors.map((p) => [p.index, p.field?.split('.')[0] ?? ''])).entries()],
      [...HOSTILE_ERRORS, [12, 'conditions']],
    );
    assert.deepEqual(errors.filter((p) => p.index === 12).map((p) => p.field), ['conditions.window', 'conditions.segment']);
    assert.match(result.stderr, /^rule 1 \("acc_low"\): comparison must be one of "<", "<=", ">", ">=", "==", "!=", not "≈"$/m);
    assert.match(result.stderr, /^rule 2 \("thr_text"\): threshold must be a number, not "0\.5"$/m);
    assert.match(result.stderr, /^rule 4 \("cool_huge"\): cooldown_minutes must be a whole number ≥ 0, not 1e\+300$/m);
    assert.match(result.stderr, /^rule 5 \("cool_2_60"\): cooldown_minutes must be a whole number ≥ 0, not 1152921504606847000$/m);
    assert.match(result.stderr, /^rule 8 \("deep"\): conditions nests arrays or objects deeper than 64 levels$/m);
    assert.match(result.stderr, /^rule 10: the record must be a JSON object, not 42$/m);
    assert.equal(errors.find((p) => p.index === 10)?.field, null);
    // The hostile keys are reported as unknown fields, not obeyed.
    assert.deepEqual(result.json.problems.filter((p) => p.index === 6).map((p) => p.field), ['__proto__', 'constructor']);
    assert.equal(result.json.valid, 4);
    assert.deepEqual(snapshot(folder), before, 'validate wrote nothing');

    const read = await readStore(folder);
    // The store loads a rule whose engine options are wrong (the engine refuses it when it runs); validate says so now.
    assert.deepEqual(read.ids, ['g0', 'proto_top', 'proto_cond', 'g9', 'bad_window']);
    // A `__proto__` condition stays a key of the rule's own conditions.
    assert.deepEqual(read.conditionKeys.proto_cond, ['__proto__', 'constructor', 'window']);
    const skipped = read.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.index, d.field ?? '']);
    assert.deepEqual(skipped, HOSTILE_ERRORS);
    for (const diagnostic of read.diagnostics) assert.match(diagnostic.message, /^alert_rules\.json\[\d+\]: /);
    assert.deepEqual(snapshot(folder), before, 'reading wrote nothing');

    await refusedAdds(folder, ['g0', 'g9']);

    // A rule that is added is the only change: every element, bad ones included, keeps its text.
    const added = join(root, 'added.json');
    writeFileSync(added, JSON.stringify(rule('new_rule')));
    const { status, stderr } = await pitwall('rule', 'add', folder, added);
    assert.equal(status, 0, stderr);
    const after = readFileSync(file, 'utf8');
    for (const element of HOSTILE) assert.ok(after.includes(element), `kept ${element.slice(0, 60)}`);
    assert.deepEqual((await readStore(folder)).ids, ['g0', 'proto_top', 'proto_cond', 'g9', 'bad_window', 'new_rule']);
  });

  it('reads a NaN threshold as Python writes it: validate names the rule; the store skips those rules only and writes nothing', async () => {
    const text = arrayText([JSON.stringify(rule('g0')), JSON.stringify(rule('nan', { threshold: 0.5 })).replace('0.5', 'NaN'), JSON.stringify(rule('inf')).replace('0.8', '-Infinity'), JSON.stringify(rule('text', { component: 'NaN or Infinity' }))]);
    const { folder, file } = folderWith(text);
    const result = await validate(file);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^alert_rules\.json: holds NaN or Infinity, which are not JSON numbers/);
    assert.match(result.stderr, /^rule 1 \("nan"\): threshold must be a finite number, not NaN$/m);
    assert.match(result.stderr, /^rule 2 \("inf"\): threshold must be a finite number, not -Infinity$/m);
    assert.deepEqual(result.json.problems.map((p) => [p.index, p.field]), [[null, null], [1, 'threshold'], [2, 'threshold']]);
    assert.equal(result.json.valid, 2);

    // The store reads NaN and Infinity as Python writes them: the good rules load, those two are skipped.
    const read = await readStore(folder);
    assert.deepEqual(read.ids, ['g0', 'text']);
    assert.match(read.diagnostics.map((d) => d.message).join('\n'), /holds NaN or Infinity/);
    assert.match(read.diagnostics.map((d) => d.message).join('\n'), /threshold/);
    await refusedAdds(folder, ['new_rule']);
  });

  it('refuses a file that is not an array, not UTF-8, or not JSON, as a whole, and the store writes nothing to it', async () => {
    const cases: [string | Buffer, RegExp][] = [
      [JSON.stringify({ rules: [rule('a')] }), /^alert_rules\.json: must be a JSON array of rules, not an object$/m],
      ['null', /^alert_rules\.json: must be a JSON array of rules, not null$/m],
      [Buffer.concat([Buffer.from('[{"rule_id": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]')]), /^alert_rules\.json: not valid UTF-8 text$/m],
      ['[{"rule_id": "a",', /^alert_rules\.json: not valid JSON \(/],
      ['', /^alert_rules\.json: not valid JSON \(/],
    ];
    for (const [content, expected] of cases) {
      const { folder, file } = folderWith(content);
      const result = await validate(file);
      assert.equal(result.status, 2);
      assert.match(result.stderr, expected);
      assert.deepEqual(result.json.problems.map((p) => [p.severity, p.index]), [['error', null]]);
      const read = await readStore(folder);
      assert.deepEqual(read.ids, []);
      assert.equal(read.diagnostics.length, 1);
      await refusedAdds(folder, ['new_rule']);
    }
  });

  it('flags a byte-order mark, which Python refuses, and still checks each rule; the store reads past it and writes nothing', async () => {
    const { folder, file } = folderWith(`\uFEFF${arrayText([JSON.stringify(rule('g0')), JSON.stringify(rule('acc_low', { comparison: '≈' }))])}`);
    const result = await validate(file);
    assert.equal(result.status, 2);
    assert.deepEqual(result.json.problems.map((p) => [p.index, p.field]), [[null, null], [1, 'comparison']]);
    assert.match(result.stderr, /byte-order mark/);
    const read = await readStore(folder);
    assert.deepEqual(read.ids, ['g0']);
    await refusedAdds(folder, ['g0', 'new_rule']);
  });

  it('checks every rule of a 10 MB rules file, shows the first 50 problems and counts the rest', async () => {
    const elements: string[] = [];
    let size = 0;
    for (let i = 0; size < 10 * 1024 * 1024; i++) {
      const element = JSON.stringify(i % 2 === 0 ? rule(`r${i}`, { component: 'x'.repeat(400) }) : rule(`r${i}`, { comparison: '≈', component: 'x'.repeat(400) }));
      elements.push(element);
      size += element.length + 4;
    }
    const { file } = folderWith(arrayText(elements));
    const human = await pitwall('rules', 'validate', file);
    assert.equal(human.status, 2);
    const lines = human.stderr.trimEnd().split('\n');
    const bad = Math.floor(elements.length / 2);
    assert.equal(lines.length, 52);
    // The first 50 are the first 50 bad rules, in file order: r1, r3, … r99.
    lines.slice(0, 50).forEach((line, k) => assert.match(line, new RegExp(`\\br${2 * k + 1}\\b.*comparison`), line));
    assert.equal(lines[50], `… and ${bad - 50} more (--json lists them all)`);
    assert.equal(lines[51], `alert_rules.json: ${bad} problems; ${elements.length - bad} of ${elements.length} rules valid.`);
  });

  it('needs a file, and says which one it cannot read', async () => {
    assert.equal((await pitwall('rules', 'validate')).status, 2);
    const missing = await pitwall('rules', 'validate', join(root, 'nope.json'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\.json/);
  });
});
