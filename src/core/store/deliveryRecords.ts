/**
 * The delivery log as stored: one JSON line per record in a JSONL folder's
 * deliveries.pitwall.jsonl, one row per record in a database's pitwall_deliveries table. The log is
 * append-only: Pitwall never rewrites it, and a damaged record is reported and skipped on reading.
 */
import type { z } from 'zod';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { DeliveryRecordSchema, deliveryFailed, type DeliveryQuery, type DeliveryRecord } from '../model/delivery';
import { describeValue, isPlainObject } from '../model/json';
import { pyFloat, type PyJson } from '../model/pythonJson';
import { describeIssue, type FieldIssue } from '../model/record';

export const DELIVERIES_FILE = 'deliveries.pitwall.jsonl';
export const DELIVERIES_TABLE = 'pitwall_deliveries';

/** The record's fields in the order they are written: a line's keys, the table's columns after `id`. */
export const DELIVERY_FIELDS = Object.keys(DeliveryRecordSchema.shape) as readonly (keyof DeliveryRecord & string)[];

export type DeliveryParse = { readonly ok: true; readonly value: DeliveryRecord } | { readonly ok: false; readonly issues: readonly FieldIssue[] };

/** One stored record, validated; never throws. */
export function parseDelivery(value: unknown): DeliveryParse {
  if (!isPlainObject(value)) return { ok: false, issues: [{ field: '', reason: messages.recordNotObject(describeValue(value)) }] };
  const parsed = DeliveryRecordSchema.safeParse(value, { reportInput: true });
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, issues: parsed.error.issues.flatMap(fieldIssues) };
}

const EXPECTED: Readonly<Record<string, string>> = { string: 'text', number: 'a number', int: 'a whole number' };

/** A zod issue in the words of the record codecs (messages.ts), where zod's own are terse. */
function fieldIssues(issue: z.core.$ZodIssue): FieldIssue[] {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: key, reason: messages.deliveryFieldUnknown() }));
  return [{ field: issue.path.map(String).join('.'), reason: reasonOf(issue) }];
}

function reasonOf(issue: z.core.$ZodIssue): string {
  const { input } = issue;
  switch (issue.code) {
    case 'invalid_type': {
      // zod reports NaN and Infinity by name, with no input.
      const received = (issue as { received?: unknown }).received;
      if (received === 'NaN' || received === 'Infinity') return messages.fieldNotFinite(received);
      if (input === undefined) return messages.fieldMissing();
      return messages.fieldWrongType(EXPECTED[issue.expected] ?? issue.expected, describeValue(input));
    }
    case 'invalid_value':
      if (input === undefined) return messages.fieldMissing();
      return messages.fieldNotOneOf(issue.values.filter((v): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v)), describeValue(input));
    case 'too_small':
    case 'too_big': {
      const atLeast = issue.code === 'too_small';
      const bound = Number(atLeast ? issue.minimum : issue.maximum);
      if (issue.origin !== 'string') return messages.deliveryFieldBound(atLeast, String(bound), describeValue(input));
      if (atLeast && bound === 1) return messages.fieldEmpty();
      return messages.deliveryFieldBound(atLeast, `${bound} characters long`, `${typeof input === 'string' ? input.length : '?'} characters`);
    }
    default:
      return issue.message;
  }
}

/** The records to append, validated; an `input` error naming the record and field otherwise, so nothing is written. */
export function checkDeliveries(where: string, records: readonly unknown[]): DeliveryRecord[] {
  return records.map((value, index) => {
    const parsed = parseDelivery(value);
    if (!parsed.ok) {
      throw new PitwallError('input', messages.deliveryRecordRefused(where, index + 1, records.length, parsed.issues.map(describeIssue).join('; ')));
    }
    return parsed.value;
  });
}

/** A record's line, keys in schema order, times as Python floats (as the Python system writes its own). */
export function deliveryLine(record: DeliveryRecord): PyJson {
  return {
    alert: record.alert,
    rule_id: record.rule_id,
    kind: record.kind,
    channel: record.channel,
    status: record.status,
    attempts: record.attempts,
    error: record.error,
    evaluated_at: pyFloat(record.evaluated_at),
    finished_at: pyFloat(record.finished_at),
    elapsed_ms: pyFloat(record.elapsed_ms),
  };
}

/** Refuses a query whose limit is not a whole number above 0. */
export function checkDeliveryQuery(query: DeliveryQuery): void {
  const { limit } = query;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
    throw new PitwallError('input', messages.deliveryLimitInvalid(String(limit)));
  }
}

/**
 * Collects what a query selects from records offered oldest first: those that match, and of
 * them only the newest `limit`, holding no more than twice that many at any time.
 */
export class DeliverySelection {
  private kept: DeliveryRecord[] = [];

  constructor(private readonly query: DeliveryQuery) {
    checkDeliveryQuery(query);
  }

  /** Whether the query selects this record, whatever the limit. */
  private matches(record: DeliveryRecord): boolean {
    return (this.query.failed !== true || deliveryFailed(record)) && (this.query.alert === undefined || record.alert === this.query.alert);
  }

  offer(record: DeliveryRecord): void {
    if (!this.matches(record)) return;
    this.kept.push(record);
    const { limit } = this.query;
    if (limit !== undefined && this.kept.length >= 2 * limit) this.kept = this.kept.slice(-limit);
  }

  /** The selected records, oldest first. */
  get records(): DeliveryRecord[] {
    const { limit } = this.query;
    return limit === undefined || this.kept.length <= limit ? [...this.kept] : this.kept.slice(-limit);
  }
}

/** At most `cap` problems, then one sentence counting the rest. */
export class ProblemList {
  private readonly items: string[] = [];
  private more = 0;

  constructor(
    private readonly cap: number,
    private readonly moreMessage: (count: number) => string,
  ) {}

  add(problem: string): void {
    if (this.items.length < this.cap) this.items.push(problem);
    else this.more++;
  }

  get all(): string[] {
    return this.more === 0 ? [...this.items] : [...this.items, this.moreMessage(this.more)];
  }
}
