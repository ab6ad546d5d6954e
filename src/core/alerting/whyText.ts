/**
 * An alert's context ("why it fired") in a few short lines, for the places with little room: a
 * channel's notice, the Alerts tree tooltip, the CLI's summary. The lines are plain text; each
 * place escapes them for its medium.
 */
import { messages } from '../messages';
import type { AlertWhy, WhyFeatureSummary } from '../model/alertWhy';

/** A number as people read it: up to three significant digits. */
function short(value: number): string {
  return String(Number(value.toPrecision(3)));
}

function percent(share: number): string {
  return `${(share * 100).toFixed(0)}%`;
}

const STATISTIC_NAMES: Readonly<Record<string, string>> = { psi: 'PSI', js_distance: 'JS distance', js: 'JS distance', ks: 'KS', wasserstein: 'Wasserstein', chi_square: 'chi-square' };

export function statisticName(statistic: string): string {
  return STATISTIC_NAMES[statistic] ?? statistic;
}

function featureLine(summary: WhyFeatureSummary): string {
  if (summary.value === null) return messages.whyFeatureUnmeasured(summary.feature, summary.reason ?? '');
  const statistic = statisticName(summary.statistic);
  const value = short(summary.value);
  if (summary.kind === 'numeric') {
    const mean = (stats: Record<string, unknown>) => (typeof stats.mean === 'number' ? short(stats.mean) : '—');
    return messages.whyFeatureNumeric(summary.feature, mean(summary.baseline), mean(summary.current), statistic, value);
  }
  const shares = (stats: Record<string, unknown>) => new Map((Array.isArray(stats.categories) ? (stats.categories as { value: string; share: number | null }[]) : []).map((c) => [c.value, c.share]));
  const before = shares(summary.baseline);
  const after = shares(summary.current);
  // The categories whose share moved most.
  const moved = [...new Set([...before.keys(), ...after.keys()])]
    .map((category) => ({ category, from: before.get(category) ?? 0, to: after.get(category) ?? 0 }))
    .sort((a, b) => Math.abs(b.to - b.from) - Math.abs(a.to - a.from) || (a.category < b.category ? -1 : 1))
    .slice(0, 2)
    .map((c) => `${c.category} ${percent(c.from)} → ${percent(c.to)}`)
    .join(', ');
  return messages.whyFeatureCategorical(summary.feature, moved, statistic, value);
}

/** At most `count` lines: a drift alert's feature first, then the segments that fell most, then the features that drifted most. */
export function whyLines(why: AlertWhy, count = 3): string[] {
  const lines: string[] = [];
  if (why.feature !== null) lines.push(featureLine(why.feature));
  for (const s of why.segments) {
    const counts = `${s.baseline.correct}/${s.baseline.labelled} → ${s.current.correct}/${s.current.labelled}`;
    lines.push(messages.whySegment(s.label, short(s.baseline.accuracy ?? 0), short(s.current.accuracy ?? 0), counts, s.z.toFixed(2), s.p_value.toPrecision(2)));
  }
  for (const f of why.drifted_features) {
    if (why.feature !== null && f.feature === why.feature.feature) continue;
    lines.push(messages.whyDriftedFeature(f.feature, statisticName(f.statistic), short(f.value), f.importance === null ? null : percent(f.importance)));
  }
  if (lines.length === 0) return [messages.whyNothingFound(why.labelled.baseline, why.labelled.current)];
  // A segment line and a drift line each: the top of both lists when there is room for both.
  if (why.feature === null && why.segments.length > 0 && why.drifted_features.length > 0 && count >= 2) {
    const segments = lines.slice(0, why.segments.length);
    const drifted = lines.slice(why.segments.length);
    return [...segments.slice(0, count - 1), drifted[0] as string];
  }
  return lines.slice(0, count);
}
