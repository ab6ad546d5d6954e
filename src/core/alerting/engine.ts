/**
 * The alerting engine's states: per fingerprint (rule + model version + segment), a rule is
 * firing from the evaluation where its condition holds (for its `for` duration, outside its
 * cooldown) until one where it no longer holds, when it resolves. While firing it is not fired
 * again (deduplication). The cooldown is the rule's persisted `last_triggered`: whichever
 * process fired last, no process fires the rule again inside the cooldown.
 */
import type { AlertRule } from '../model/alertRule';
import { checkRule, judgeRuleAt, MeasureCache, type ScopeVerdict, type TimeIndex } from './evaluate';
import type { RuleMeasure } from './ruleOptions';

export interface Firing {
  readonly rule: AlertRule;
  readonly verdict: ScopeVerdict;
  readonly at: number;
}

export interface Resolution {
  readonly rule: AlertRule;
  readonly verdict: ScopeVerdict;
  readonly at: number;
  /** When the alert that resolves fired. */
  readonly firedAt: number;
  readonly notify: boolean;
}

export interface StepResult {
  readonly fired: Firing[];
  readonly resolved: Resolution[];
  /** Every scope's verdict, with why a holding one did not fire ('cooldown', 'firing'). */
  readonly verdicts: (ScopeVerdict & { readonly outcome: 'fired' | 'firing' | 'cooldown' | 'resolved' | 'ok' | 'insufficient' })[];
  /** Rules that were skipped, with why: each is left out, and every other rule is evaluated. */
  readonly problems: { readonly rule_id: string; readonly message: string }[];
}

export class AlertEngine {
  /** Fingerprint → when its current alert fired. */
  private readonly firing = new Map<string, number>();
  private readonly lastTriggered = new Map<string, number | null>();
  private readonly measures = new Map<string, RuleMeasure | Error>();
  /** Firing states this engine started from, whose alerts the first evaluation checks (see takeInherited). */
  private inherited: Map<string, number> | null = null;

  constructor(private rules: readonly AlertRule[]) {
    this.setRules(rules);
  }

  /** New or edited rules (a rules file changed); firing states of unchanged fingerprints stay. */
  setRules(rules: readonly AlertRule[]): void {
    this.rules = rules;
    this.measures.clear();
    for (const rule of rules) {
      // The engine's own memory of a firing is newer than a rules file read before it.
      const known = this.lastTriggered.get(rule.rule_id) ?? null;
      const stored = rule.last_triggered;
      this.lastTriggered.set(rule.rule_id, known === null ? stored : stored === null ? known : Math.max(known, stored));
      try {
        this.measures.set(rule.rule_id, checkRule(rule));
      } catch (error) {
        this.measures.set(rule.rule_id, error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  /** Takes in firing states persisted by an earlier process (fingerprint → when it fired). */
  restore(states: Readonly<Record<string, number>>): void {
    const first = this.inherited === null;
    this.inherited ??= new Map();
    for (const [fingerprint, at] of Object.entries(states)) {
      if (this.firing.has(fingerprint)) continue;
      this.firing.set(fingerprint, at);
      if (first) this.inherited.set(fingerprint, at);
    }
  }

  /**
   * The firing states of the first restore, once: an earlier process may have stopped after
   * recording one and before recording its alert (run.ts completes those).
   */
  takeInherited(): ReadonlyMap<string, number> {
    const inherited = this.inherited ?? new Map<string, number>();
    this.inherited = new Map();
    return inherited;
  }

  /** When a rule last fired, as the engine knows it (to persist). */
  lastTriggeredOf(ruleId: string): number | null {
    return this.lastTriggered.get(ruleId) ?? null;
  }

  /** Evaluates every enabled rule at `at`. */
  step(index: TimeIndex, at: number): StepResult {
    const fired: Firing[] = [];
    const resolved: Resolution[] = [];
    const verdicts: StepResult['verdicts'] = [];
    const problems: StepResult['problems'] = [];
    const cache = new MeasureCache();
    for (const rule of this.rules) {
      if (!rule.enabled) continue;
      const m = this.measures.get(rule.rule_id);
      if (m instanceof Error || m === undefined) {
        problems.push({ rule_id: rule.rule_id, message: m?.message ?? 'unknown rule' });
        continue;
      }
      const last = this.lastTriggered.get(rule.rule_id) ?? null;
      const inCooldown = last !== null && at - last < rule.cooldown_minutes * 60;
      let firedNow = false;
      let judged: ScopeVerdict[];
      try {
        judged = judgeRuleAt(index, rule, at, m, cache);
      } catch (error) {
        // A rule that cannot be judged is reported and skipped; the others are still evaluated.
        problems.push({ rule_id: rule.rule_id, message: error instanceof Error ? error.message : String(error) });
        continue;
      }
      for (const verdict of judged) {
        const since = this.firing.get(verdict.fingerprint);
        if (verdict.state === 'holds') {
          if (since !== undefined) verdicts.push({ ...verdict, outcome: 'firing' });
          else if (inCooldown && !firedNow) verdicts.push({ ...verdict, outcome: 'cooldown' });
          else {
            this.firing.set(verdict.fingerprint, at);
            fired.push({ rule, verdict, at });
            verdicts.push({ ...verdict, outcome: 'fired' });
            firedNow = true;
          }
        } else if (verdict.state === 'ok' && since !== undefined) {
          this.firing.delete(verdict.fingerprint);
          resolved.push({ rule, verdict, at, firedAt: since, notify: m.options.resolve_notice === true });
          verdicts.push({ ...verdict, outcome: 'resolved' });
        } else {
          verdicts.push({ ...verdict, outcome: verdict.state === 'ok' ? 'ok' : since !== undefined ? 'firing' : 'insufficient' });
        }
      }
      if (firedNow) this.lastTriggered.set(rule.rule_id, at);
    }
    return { fired, resolved, verdicts, problems };
  }
}

export interface BacktestOptions {
  readonly from: number;
  readonly to: number;
  /** Seconds between evaluations; default 5 minutes. */
  readonly every?: number;
}

export interface BacktestReport {
  readonly rule_id: string;
  readonly evaluations: number;
  readonly alerts: { readonly at: number; readonly model_version: string | null; readonly segment: string | null; readonly value: number | null; readonly reason: string }[];
  readonly resolutions: { readonly at: number; readonly model_version: string | null; readonly segment: string | null; readonly fired_at: number }[];
}

/** Runs one rule over history as the engine would have, `for` and cooldown applied (the cooldown starting clear). */
export function backtest(index: TimeIndex, rule: AlertRule, options: BacktestOptions): BacktestReport {
  checkRule(rule);
  const every = options.every ?? 300;
  const engine = new AlertEngine([{ ...rule, enabled: true, last_triggered: null }]);
  const alerts: BacktestReport['alerts'][number][] = [];
  const resolutions: BacktestReport['resolutions'][number][] = [];
  let evaluations = 0;
  for (let at = Math.ceil(options.from / every) * every; at <= options.to; at += every) {
    evaluations++;
    const result = engine.step(index, at);
    for (const f of result.fired) alerts.push({ at, model_version: f.verdict.model_version, segment: f.verdict.segment, value: f.verdict.value, reason: f.verdict.reason });
    for (const r of result.resolved) resolutions.push({ at, model_version: r.verdict.model_version, segment: r.verdict.segment, fired_at: r.firedAt });
  }
  return { rule_id: rule.rule_id, evaluations, alerts, resolutions };
}
