/**
 * A silence: Pitwall's own record (the Python system has none), kept in the source beside its
 * data (`silences.pitwall.json` in a JSONL folder, the `pitwall_silences` table in a database).
 * While active it mutes the delivery of matching alerts; the alerts are still recorded.
 */
import { z } from 'zod';

export const SilenceMatchersSchema = z
  .object({
    rule_id: z.string().min(1).optional(),
    model_version: z.string().min(1).optional(),
    /** "feature=value" or "metadata.key=value", as the engine names a scope's segment. */
    segment: z.string().min(1).optional(),
    severity: z.enum(['info', 'warning', 'critical']).optional(),
  })
  .strict();
export type SilenceMatchers = z.output<typeof SilenceMatchersSchema>;

export const SilenceSchema = z
  .object({
    id: z.string().min(1).max(100),
    matchers: SilenceMatchersSchema,
    starts_at: z.number().finite(),
    ends_at: z.number().finite(),
    comment: z.string().max(2000).default(''),
    created_by: z.string().max(200).nullable().default(null),
    created_at: z.number().finite(),
  })
  .strict()
  .refine((s) => s.ends_at > s.starts_at, { message: 'ends_at must be after starts_at', path: ['ends_at'] });
export type Silence = z.output<typeof SilenceSchema>;

/** Whether a silence mutes an alert of this scope at `at`: active, and every matcher it has agrees. */
export function silences(silence: Silence, at: number, scope: { rule_id: string; model_version: string | null; segment: string | null; severity: string }): boolean {
  if (!(at >= silence.starts_at && at < silence.ends_at)) return false;
  const m = silence.matchers;
  return (
    (m.rule_id === undefined || m.rule_id === scope.rule_id) &&
    (m.model_version === undefined || m.model_version === scope.model_version) &&
    (m.segment === undefined || m.segment === scope.segment) &&
    (m.severity === undefined || m.severity === scope.severity)
  );
}
