/**
 * The statistics the simulated monitoring service computes: what its health snapshots, drift
 * results and degradation analyses would hold. Inputs are typed arrays so a 1M-prediction run
 * stays fast and small.
 */

/** ROC AUC by the rank-sum formula (ties count one half); null when a class is missing. */
export function rocAuc(positives: Float64Array, negatives: Float64Array): number | null {
  if (positives.length === 0 || negatives.length === 0) return null;
  const pos = positives.slice().sort();
  const neg = negatives.slice().sort();
  let below = 0;
  let equal = 0;
  let j = 0;
  let sum = 0;
  for (let i = 0; i < pos.length; i++) {
    const score = pos[i] as number;
    if (i === 0 || score !== pos[i - 1]) {
      while (j < neg.length && (neg[j] as number) < score) j++;
      below = j;
      equal = 0;
      while (j + equal < neg.length && neg[j + equal] === score) equal++;
    }
    sum += below + equal / 2;
  }
  return sum / (pos.length * neg.length);
}

/** Counts per confidence bin for the expected calibration error (10 equal-width bins on [0, 1]). */
export class CalibrationBins {
  readonly count = new Float64Array(10);
  readonly confidence = new Float64Array(10);
  readonly correct = new Float64Array(10);

  add(confidence: number, correct: boolean): void {
    const bin = Math.min(9, Math.floor(confidence * 10));
    this.count[bin] = (this.count[bin] as number) + 1;
    this.confidence[bin] = (this.confidence[bin] as number) + confidence;
    if (correct) this.correct[bin] = (this.correct[bin] as number) + 1;
  }

  /** Σ (n_b / n) · |accuracy_b − mean confidence_b|. */
  expectedCalibrationError(): number {
    let total = 0;
    for (const n of this.count) total += n;
    if (total === 0) return 0;
    let ece = 0;
    for (let b = 0; b < 10; b++) {
      const n = this.count[b] as number;
      if (n === 0) continue;
      ece += (n / total) * Math.abs((this.correct[b] as number) / n - (this.confidence[b] as number) / n);
    }
    return ece;
  }
}

/** numpy's default (linear) percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  const position = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(sorted.length - 1, lower + 1);
  const a = sorted[lower] as number;
  return a + ((sorted[upper] as number) - a) * (position - lower);
}

export interface DistributionStats {
  mean: number;
  std: number;
  percentile25: number;
  percentile50: number;
  percentile75: number;
}

/** The stats the Python DriftDetector stores with a PSI result (population std, as numpy). */
export function describeDistribution(values: Float64Array): DistributionStats {
  const sorted = values.slice().sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / sorted.length;
  let squares = 0;
  for (const v of sorted) squares += (v - mean) * (v - mean);
  return {
    mean,
    std: Math.sqrt(squares / sorted.length),
    percentile25: percentile(sorted, 25),
    percentile50: percentile(sorted, 50),
    percentile75: percentile(sorted, 75),
  };
}

/**
 * Population Stability Index as the Python DriftDetector computes it: 10 equal-width bins over
 * the baseline's range (values outside it are dropped, like np.histogram), proportions plus 1e-10.
 */
export class PsiBaseline {
  private readonly edges: Float64Array;
  private readonly proportions: Float64Array;

  constructor(baseline: Float64Array) {
    let min = Infinity;
    let max = -Infinity;
    for (const v of baseline) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    this.edges = new Float64Array(11);
    for (let i = 0; i <= 10; i++) this.edges[i] = i === 10 ? max : min + (i * (max - min)) / 10;
    this.proportions = this.histogram(baseline);
  }

  private histogram(values: Float64Array): Float64Array {
    const counts = new Float64Array(10);
    const first = this.edges[0] as number;
    const last = this.edges[10] as number;
    let kept = 0;
    for (const v of values) {
      if (!(v >= first && v <= last)) continue;
      let bin = last > first ? Math.min(9, Math.floor(((v - first) / (last - first)) * 10)) : 0;
      while (bin > 0 && v < (this.edges[bin] as number)) bin--;
      while (bin < 9 && v >= (this.edges[bin + 1] as number)) bin++;
      counts[bin] = (counts[bin] as number) + 1;
      kept++;
    }
    for (let b = 0; b < 10; b++) counts[b] = kept === 0 ? 0 : (counts[b] as number) / kept;
    return counts;
  }

  /** PSI of `current` against the baseline; NaN when no current value falls in the baseline's range. */
  psi(current: Float64Array): number {
    const proportions = this.histogram(current);
    let inRange = 0;
    for (const p of proportions) inRange += p;
    if (inRange === 0) return NaN;
    let psi = 0;
    for (let b = 0; b < 10; b++) {
      const c = (proportions[b] as number) + 1e-10;
      const base = (this.proportions[b] as number) + 1e-10;
      psi += (c - base) * Math.log(c / base);
    }
    return psi;
  }
}
