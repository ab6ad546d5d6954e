/** Silences as stored: a JSON array in a JSONL folder's silences.pitwall.json, one JSON text per row in a database. */
import { isUtf8 } from 'node:buffer';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { SilenceSchema, type Silence } from '../model/silence';

export const SILENCES_FILE = 'silences.pitwall.json';

function describeIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return `${(issue?.path ?? []).map(String).join('.') || 'the silence'} ${issue?.message ?? 'is not valid'}`;
}

/** One stored silence; a `corrupt` error naming where and which field otherwise. */
export function parseSilence(value: unknown, where: string): Silence {
  const parsed = SilenceSchema.safeParse(value);
  if (!parsed.success) throw new PitwallError('corrupt', messages.silenceInvalid(where, describeIssue(parsed.error)));
  return parsed.data;
}

/** A new silence from the CLI or the editor; an `input` error naming the field otherwise. */
export function checkSilence(value: unknown): Silence {
  const parsed = SilenceSchema.safeParse(value);
  if (!parsed.success) throw new PitwallError('input', messages.silenceRefused(describeIssue(parsed.error)));
  return parsed.data;
}

/** The silences of a silences.pitwall.json; a damaged file is an error, never half-read or overwritten. */
export function parseSilencesFile(path: string, bytes: Buffer | null): Silence[] {
  if (bytes === null || bytes.length === 0) return [];
  if (!isUtf8(bytes)) throw new PitwallError('corrupt', messages.silenceInvalid(path, messages.jsonlLineNotUtf8()));
  let values: unknown;
  try {
    values = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new PitwallError('corrupt', messages.silenceInvalid(path, error instanceof Error ? error.message : String(error)));
  }
  if (!Array.isArray(values)) throw new PitwallError('corrupt', messages.silenceInvalid(path, 'must be a JSON array of silences'));
  return values.map((value, index) => parseSilence(value, `${path} element ${index}`));
}

/** The file's new content with `silence` added or replaced (by id). */
export function withSilence(path: string, current: Buffer | null, silence: Silence): Buffer {
  const silences = parseSilencesFile(path, current).filter((s) => s.id !== silence.id);
  silences.push(silence);
  return Buffer.from(`${JSON.stringify(silences, null, 2)}\n`, 'utf8');
}

export const ALERT_STATE_FILE = 'alert_state.pitwall.json';

/** The firing states of an alert_state.pitwall.json: fingerprint → when it fired. A damaged file is an error. */
export function parseAlertStates(path: string, bytes: Buffer | null): Record<string, number> {
  if (bytes === null || bytes.length === 0) return Object.create(null) as Record<string, number>;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new PitwallError('corrupt', messages.alertStateInvalid(path, error instanceof Error ? error.message : String(error)));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new PitwallError('corrupt', messages.alertStateInvalid(path, 'must be a JSON object'));
  const states = Object.create(null) as Record<string, number>;
  for (const [fingerprint, at] of Object.entries(value)) {
    if (typeof at !== 'number' || !Number.isFinite(at)) throw new PitwallError('corrupt', messages.alertStateInvalid(path, `${JSON.stringify(fingerprint)} must map to a time`));
    states[fingerprint] = at;
  }
  return states;
}

export function withAlertStates(path: string, current: Buffer | null, firing: Readonly<Record<string, number>>, cleared: readonly string[]): Buffer {
  const states = parseAlertStates(path, current);
  for (const fingerprint of cleared) delete states[fingerprint];
  for (const [fingerprint, at] of Object.entries(firing)) states[fingerprint] = at;
  return Buffer.from(`${JSON.stringify(states, null, 2)}\n`, 'utf8');
}
