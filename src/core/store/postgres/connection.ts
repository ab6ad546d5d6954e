/**
 * Where a PostgreSQL source is and how Pitwall talks to it. A source is a `postgres://` or
 * `postgresql://` URL (SQLAlchemy's `postgresql+psycopg2://` too), or `postgres:` alone for the
 * Python monitoring system's own settings: MONITORING_DB_HOST, _PORT, _USER, _PASSWORD and _NAME
 * first (with its defaults), then MONITORING_DB_SQLALCHEMY_URL or MONITORING_DB_URL as Alembic
 * reads them. Fields go to the driver one by one: the Python system does not URL-encode its
 * password, so it is never pasted into a URL.
 *
 * Every session is read-only by default (a write opens its own READ WRITE transaction), in UTC,
 * named `pitwall`, with a statement timeout. Values come back as the SQLite store reads them:
 * times and json as the server's text (the record schemas parse text times to the microsecond,
 * which a JS Date would cut to the millisecond), counts and numerics as numbers.
 */
import type { Client, ClientConfig, types as PgTypeRegistry } from 'pg';
import { PitwallError } from '../../errors';
import { messages } from '../../messages';

type PgTypes = typeof PgTypeRegistry;

export interface PostgresSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Undefined: the driver's own sources (PGPASSWORD, ~/.pgpass). */
  readonly password?: string;
  readonly database: string;
  /** Driver TLS settings from the URL's sslmode; undefined for none. */
  readonly ssl?: ClientConfig['ssl'];
}

/** Seconds a statement may run before the server cancels it. */
export const STATEMENT_TIMEOUT_SECONDS = 120;
const CONNECT_TIMEOUT_MS = 10_000;

const URL_PREFIX = /^postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\//i;
const SETTINGS_SOURCE = /^postgres(?:ql)?:$/i;

/** Whether a source string names a PostgreSQL database rather than a path. */
export function isPostgresSource(source: string): boolean {
  return URL_PREFIX.test(source) || SETTINGS_SOURCE.test(source);
}

/** The Python system's defaults (database.py DatabaseConfig). */
const PYTHON_DEFAULTS = { host: 'localhost', port: '5432', user: 'postgres', password: '', database: 'f1_predict_monitoring' };

function portOf(setting: string, text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port < 1 || port > 65535) throw new PitwallError('input', messages.postgresPortInvalid(setting, text));
  return port;
}

function sslOf(mode: string | null): ClientConfig['ssl'] {
  switch (mode) {
    case null:
    case 'disable':
    case 'allow':
    case 'prefer':
      return undefined;
    case 'require':
      return { rejectUnauthorized: false };
    default:
      return { rejectUnauthorized: true };
  }
}

/** The settings in a URL. */
export function parsePostgresUrl(source: string): PostgresSettings {
  let url: URL;
  try {
    url = new URL(source.replace(URL_PREFIX, 'postgres://'));
  } catch (cause) {
    throw new PitwallError('input', messages.postgresUrlInvalid(redact(source), 'not a URL'), { cause });
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  return {
    host: url.hostname === '' ? 'localhost' : url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 5432 : portOf('the port', url.port),
    user: url.username === '' ? PYTHON_DEFAULTS.user : decodeURIComponent(url.username),
    ...(password === undefined ? {} : { password }),
    database: database === '' ? PYTHON_DEFAULTS.database : database,
    ...(sslOf(url.searchParams.get('sslmode')) === undefined ? {} : { ssl: sslOf(url.searchParams.get('sslmode')) }),
  };
}

/** The settings a source names; `postgres:` alone reads the Python system's environment. */
export function postgresSettingsOf(source: string, env: NodeJS.ProcessEnv = process.env): PostgresSettings {
  if (URL_PREFIX.test(source)) return parsePostgresUrl(source);
  const fields = ['HOST', 'PORT', 'USER', 'PASSWORD', 'NAME'] as const;
  if (fields.some((field) => env[`MONITORING_DB_${field}`] !== undefined)) {
    const port = env.MONITORING_DB_PORT ?? PYTHON_DEFAULTS.port;
    return {
      host: env.MONITORING_DB_HOST ?? PYTHON_DEFAULTS.host,
      port: portOf('MONITORING_DB_PORT', port),
      user: env.MONITORING_DB_USER ?? PYTHON_DEFAULTS.user,
      password: env.MONITORING_DB_PASSWORD ?? PYTHON_DEFAULTS.password,
      database: env.MONITORING_DB_NAME ?? PYTHON_DEFAULTS.database,
    };
  }
  const url = env.MONITORING_DB_SQLALCHEMY_URL ?? env.MONITORING_DB_URL;
  if (url !== undefined && URL_PREFIX.test(url)) return parsePostgresUrl(url);
  throw new PitwallError('input', messages.postgresSettingsMissing());
}

/** `postgres://user@host:port/database`: the address to show, never with the password. */
export function describeAddress(settings: PostgresSettings): string {
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return `postgres://${encodeURIComponent(settings.user)}@${host}:${settings.port}/${encodeURIComponent(settings.database)}`;
}

/** A URL with its password replaced, for messages about the source string itself. */
function redact(source: string): string {
  return source.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

const INT8 = 20;
const NUMERIC = 1700;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const JSON_OID = 114;
const JSONB = 3802;

/** Counts and sums as numbers; times and json as the server's text, parsed by the record schemas. */
function typeParser(pgTypes: PgTypes) {
  return (oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) => {
    if (oid === INT8 || oid === NUMERIC) return Number;
    if (oid === TIMESTAMP || oid === TIMESTAMPTZ || oid === JSON_OID || oid === JSONB) return (value: string) => value;
    return pgTypes.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
  };
}

/** The driver's error code (SQLSTATE or a socket error's code), if any. */
function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A driver or server error as a PitwallError with a sentence about this source. */
export function toPitwallError(error: unknown, settings: PostgresSettings): PitwallError {
  if (error instanceof PitwallError) return error;
  const address = describeAddress(settings);
  const detail = error instanceof Error ? error.message : String(error);
  const code = codeOf(error);
  switch (code) {
    case '28P01':
    case '28000':
      return new PitwallError('input', messages.postgresAuthFailed(address, settings.user), { cause: error });
    case '3D000':
      return new PitwallError('not-found', messages.postgresNoDatabase(address), { cause: error });
    case '57014':
      return new PitwallError('io', messages.postgresTimedOut(address, STATEMENT_TIMEOUT_SECONDS), { cause: error });
    case '25006':
    case '42501':
      return new PitwallError('read-only', messages.postgresWriteDenied(address, detail), { cause: error });
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ECONNRESET':
      return new PitwallError('not-found', messages.postgresUnreachable(address, detail), { cause: error });
    default:
      if (/timeout expired|Connection terminated/i.test(detail)) return new PitwallError('not-found', messages.postgresUnreachable(address, detail), { cause: error });
      return new PitwallError('io', messages.postgresQueryFailed(address, detail), { cause: error });
  }
}

/** Whether an error means the session is gone (the server restarted or the network dropped), not that a statement failed. */
export function isConnectionLost(error: unknown): boolean {
  const cause = error instanceof PitwallError ? error.cause : error;
  const code = codeOf(cause);
  if (code !== undefined && ['57P01', '57P02', '57P03', '08000', '08003', '08006', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED'].includes(code)) return true;
  return /Connection terminated|not queryable|Client was closed/i.test(cause instanceof Error ? cause.message : String(cause));
}

/** A connected session: read-only by default, UTC, named pitwall, with a statement timeout. */
export async function connectPostgres(settings: PostgresSettings): Promise<Client> {
  // The driver is loaded when a PostgreSQL source is opened: loading it starts Node's HTTP stack,
  // which every other command would pay for at start-up.
  const pg = await import('pg');
  const client = new pg.Client({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    ...(settings.password === undefined ? {} : { password: settings.password }),
    database: settings.database,
    ...(settings.ssl === undefined ? {} : { ssl: settings.ssl }),
    application_name: 'pitwall',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Startup options, not SET: they hold for every transaction, also behind a pooler that forbids SET.
    options: `-c default_transaction_read_only=on -c TimeZone=UTC -c statement_timeout=${STATEMENT_TIMEOUT_SECONDS * 1000}`,
    types: { getTypeParser: typeParser(pg.types) as never },
  });
  // A dropped connection is reported by the next query; without a listener it would end the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw toPitwallError(error, settings);
  }
  return client;
}
