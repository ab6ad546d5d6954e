/**
 * Reads a JSONL monitoring folder the way the Python system does: `json.loads` per line,
 * `json.load` of alert_rules.json, and the seed's dataclasses built with `Cls(**record)`, which
 * refuses any key the dataclass does not have. Also says which lines are not exactly what
 * `json.dumps` would write and which values have the wrong Python type (an int for a float).
 */
import { spawnSync } from 'node:child_process';

const SCRIPT = String.raw`
import json, os, sys
from dataclasses import dataclass, field
from typing import Any, Optional

@dataclass
class PredictionRecord:
    timestamp: float
    model_version: str
    prediction_id: str
    predicted_outcome: int
    confidence: float
    features: dict
    metadata: Optional[dict] = None

@dataclass
class PerformanceMetric:
    timestamp: float
    metric_name: str
    value: float
    window_size: int
    threshold: Optional[float] = None
    status: str = "normal"

@dataclass
class ModelHealthSnapshot:
    timestamp: float
    model_version: str
    accuracy: float
    precision: float
    recall: float
    f1_score: float
    roc_auc: Optional[float]
    expected_calibration_error: float
    num_predictions: int
    prediction_accuracy_trend: float
    degradation_detected: bool

@dataclass
class Alert:
    timestamp: float
    alert_id: str
    severity: str
    title: str
    message: str
    metric_name: str
    metric_value: float
    threshold: float
    component: str
    model_version: Optional[str]
    acknowledged: bool = False
    acknowledged_at: Optional[float] = None
    acknowledged_by: Optional[str] = None

@dataclass
class AlertRule:
    rule_id: str
    metric_name: str
    metric_type: str
    threshold: float
    comparison: str
    severity: str
    component: str
    enabled: bool = True
    cooldown_minutes: int = 60
    channels: list = field(default_factory=lambda: ["console"])
    conditions: dict = field(default_factory=dict)

FLOATS = {
    PredictionRecord: ['timestamp', 'confidence'],
    PerformanceMetric: ['timestamp', 'value', 'threshold'],
    ModelHealthSnapshot: ['timestamp', 'accuracy', 'precision', 'recall', 'f1_score', 'roc_auc',
                          'expected_calibration_error', 'prediction_accuracy_trend'],
    Alert: ['timestamp', 'metric_value', 'threshold', 'acknowledged_at'],
    AlertRule: ['threshold'],
}
INTS = {
    PredictionRecord: ['predicted_outcome'],
    PerformanceMetric: ['window_size'],
    ModelHealthSnapshot: ['num_predictions'],
    AlertRule: ['cooldown_minutes'],
}

def wrong_types(cls, record):
    wrong = [k for k in FLOATS.get(cls, []) if record.get(k) is not None and type(record[k]) is not float]
    wrong += [k for k in INTS.get(cls, []) if record.get(k) is not None and type(record[k]) is not int]
    return wrong

folder = sys.argv[1]
report = {'files': {}}
FILES = [('predictions.jsonl', PredictionRecord), ('metrics.jsonl', PerformanceMetric),
         ('health_snapshots.jsonl', ModelHealthSnapshot), ('alerts.jsonl', Alert), ('outcomes.jsonl', None),
         ('acknowledgments.jsonl', None), ('drift_results.jsonl', None), ('degradation_analysis.jsonl', None),
         ('feature_importance.jsonl', None)]
for name, cls in FILES:
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        continue
    with open(path, encoding='utf-8') as f:
        text = f.read()
    lines = text.split('\n')
    ends = text == '' or text.endswith('\n')
    if ends:
        lines = lines[:-1]
    entry = {'lines': len(lines), 'records': 0, 'endsWithNewline': ends, 'notJson': [], 'rejected': [],
             'notDumpsForm': [], 'wrongTypes': []}
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError:
            entry['notJson'].append(number)
            continue
        if json.dumps(record) != line:
            entry['notDumpsForm'].append(number)
        if cls is not None:
            try:
                cls(**record)
            except TypeError as error:
                entry['rejected'].append([number, str(error)])
                continue
            wrong = wrong_types(cls, record)
            if wrong:
                entry['wrongTypes'].append([number, wrong])
        entry['records'] += 1
    report['files'][name] = entry

rules_path = os.path.join(folder, 'alert_rules.json')
if os.path.exists(rules_path):
    with open(rules_path, encoding='utf-8') as f:
        text = f.read()
    rules = json.loads(text)
    rejected, wrong = [], []
    for index, rule in enumerate(rules):
        try:
            AlertRule(**rule)
        except TypeError as error:
            rejected.append([index, str(error)])
            continue
        bad = wrong_types(AlertRule, rule)
        bad += ['conditions.' + k for k, v in rule['conditions'].items()
                if k in ('min_value', 'max_value') and v is not None and type(v) is not float]
        if bad:
            wrong.append([index, bad])
    report['rules'] = {'count': len(rules), 'rejected': rejected, 'wrongTypes': wrong,
                       'dumpsForm': json.dumps(rules, indent=2) == text}
settings_path = os.path.join(folder, 'alert_rules.pitwall.json')
if os.path.exists(settings_path):
    with open(settings_path, encoding='utf-8') as f:
        report['settings'] = json.load(f)
print(json.dumps(report))
`;

export interface FileReport {
  readonly lines: number;
  readonly records: number;
  readonly endsWithNewline: boolean;
  readonly notJson: number[];
  readonly rejected: [number, string][];
  readonly notDumpsForm: number[];
  readonly wrongTypes: [number, string[]][];
}

export interface PythonReport {
  readonly files: Record<string, FileReport>;
  readonly rules?: {
    readonly count: number;
    readonly rejected: [number, string][];
    readonly wrongTypes: [number, string[]][];
    readonly dumpsForm: boolean;
  };
  readonly settings?: Record<string, unknown>;
}

export function pythonRead(folder: string): PythonReport {
  const result = spawnSync('python3', ['-c', SCRIPT, folder], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as PythonReport;
}

/** Runs Python code with `sys.argv[1:]` = args and returns its stdout. */
export function python(code: string, ...args: string[]): string {
  const result = spawnSync('python3', ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  return result.stdout;
}
