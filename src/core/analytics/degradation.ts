/**
 * Degradation that accounts for sample size: the accuracy of a current window against a
 * baseline window, by a one-sided two-proportion z-test with the pooled standard error
 * (H₀: the current accuracy is not lower). A drop counts only when both windows have at least
 * `minSamples` labelled predictions, the test rejects at `alpha`, and the drop is at least
 * `minDrop` (absolute), so a small window's noise never reads as a failing model.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import type { DegradationAnalysis } from '../model/degradationAnalysis';

export interface ProportionSample {
  /** Correct predictions among the labelled ones. */
  readonly correct: number;
  readonly labelled: number;
}

export interface ZTest {
  readonly z: number;
  /** P(Z ≤ z): small when the current proportion is significantly lower. */
  readonly p_value: number;
}

/** The pooled two-proportion z statistic of current against baseline; null when it is undefined. */
export function twoProportionZTest(baseline: ProportionSample, current: ProportionSample): ZTest | null {
  const n1 = baseline.labelled;
  const n2 = current.labelled;
  if (n1 === 0 || n2 === 0) return null;
  const pooled = (baseline.correct + current.correct) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  // All right or all wrong in both windows: no variance, and no evidence of a change.
  if (se === 0) return { z: 0, p_value: 0.5 };
  const z = (current.correct / n2 - baseline.correct / n1) / se;
  return { z, p_value: normalCdf(z, 0, 1) };
}

export interface DegradationOptions {
  /** Significance level of the one-sided test; default 0.05. */
  readonly alpha?: number;
  /** Labelled predictions each window needs; default 100. */
  readonly minSamples?: number;
  /** Smallest absolute accuracy drop that counts; default 0.02. */
  readonly minDrop?: number;
}

export const DEFAULT_DEGRADATION: Required<DegradationOptions> = { alpha: 0.05, minSamples: 100, minDrop: 0.02 };

export type DegradationStatus = 'degraded' | 'stable' | 'insufficient';

export interface DegradationVerdict {
  readonly status: DegradationStatus;
  readonly baseline_value: number | null;
  readonly current_value: number | null;
  /** (baseline − current) / baseline × 100: positive when the current window is worse. */
  readonly degradation_percent: number | null;
  readonly baseline_labelled: number;
  readonly current_labelled: number;
  /** Wrong predictions in the current window. */
  readonly failure_cohort_size: number;
  readonly z: number | null;
  readonly p_value: number | null;
  /** One sentence saying why: the numbers behind the verdict. */
  readonly reason: string;
}

function resolve(options: DegradationOptions): Required<DegradationOptions> {
  const resolved = { ...DEFAULT_DEGRADATION, ...options };
  if (!(resolved.alpha > 0 && resolved.alpha < 1)) throw new PitwallError('input', messages.degradationOptionInvalid('alpha', resolved.alpha, 'between 0 and 1'));
  if (!Number.isSafeInteger(resolved.minSamples) || resolved.minSamples < 1) throw new PitwallError('input', messages.degradationOptionInvalid('minSamples', resolved.minSamples, 'a whole number ≥ 1'));
  if (!(resolved.minDrop >= 0 && resolved.minDrop < 1)) throw new PitwallError('input', messages.degradationOptionInvalid('minDrop', resolved.minDrop, 'at least 0 and below 1'));
  return resolved;
}

/** Whether the current window's accuracy fell below the baseline's, beyond noise. */
export function detectDegradation(baseline: ProportionSample, current: ProportionSample, options: DegradationOptions = {}): DegradationVerdict {
  const { alpha, minSamples, minDrop } = resolve(options);
  const baselineValue = baseline.labelled === 0 ? null : baseline.correct / baseline.labelled;
  const currentValue = current.labelled === 0 ? null : current.correct / current.labelled;
  const percent = baselineValue === null || currentValue === null || baselineValue === 0 ? null : ((baselineValue - currentValue) / baselineValue) * 100;
  const test = twoProportionZTest(baseline, current);
  const common = {
    baseline_value: baselineValue,
    current_value: currentValue,
    degradation_percent: percent,
    baseline_labelled: baseline.labelled,
    current_labelled: current.labelled,
    failure_cohort_size: current.labelled - current.correct,
    z: test?.z ?? null,
    p_value: test?.p_value ?? null,
  };
  if (baseline.labelled < minSamples || current.labelled < minSamples || test === null) {
    return { ...common, status: 'insufficient', reason: messages.degradationInsufficient(baseline.labelled, current.labelled, minSamples) };
  }
  const drop = (baselineValue as number) - (currentValue as number);
  const degraded = test.p_value < alpha && drop >= minDrop;
  return {
    ...common,
    status: degraded ? 'degraded' : 'stable',
    reason: messages.degradationVerdict(degraded, baselineValue as number, currentValue as number, test.z, test.p_value, alpha),
  };
}

export interface DegradationContext {
  readonly timestamp: number;
  readonly model_version: string | null;
  readonly metric_name?: string;
  /** The features that drifted most between the two windows, most first. */
  readonly top_features?: readonly { readonly feature: string; readonly score: number; readonly statistic: string }[];
}

/** A degradation_analysis row for a verdict. */
export function toDegradationAnalysis(verdict: DegradationVerdict, context: DegradationContext): DegradationAnalysis {
  return {
    timestamp: context.timestamp,
    model_version: context.model_version,
    metric_name: context.metric_name ?? 'accuracy',
    baseline_value: verdict.baseline_value,
    current_value: verdict.current_value,
    degradation_percent: verdict.degradation_percent,
    failure_cohort_size: verdict.failure_cohort_size,
    top_features: (context.top_features ?? []).map((f) => ({ ...f })),
    error_patterns: {
      test: 'two-proportion z-test (one-sided, pooled)',
      status: verdict.status,
      z: verdict.z,
      p_value: verdict.p_value,
      baseline_labelled: verdict.baseline_labelled,
      current_labelled: verdict.current_labelled,
    },
    recommended_actions:
      verdict.status === 'degraded'
        ? [
            'Compare the drifted features between the two windows (pitwall drift).',
            'Check the label pipeline for the current window before retraining.',
          ]
        : [],
  };
}
