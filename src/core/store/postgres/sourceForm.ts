/**
 * A PostgreSQL source as the editor asks for it, field by field, and remembers it: the source
 * string is a `postgres://` URL without the password (it is shown, logged and kept in the
 * workspace's memory), and the password travels apart (the editor keeps it in SecretStorage).
 */
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import { parsePostgresUrl } from './connection';

export const TLS_MODES = ['disable', 'prefer', 'require', 'verify-full'] as const;
export type TlsMode = (typeof TLS_MODES)[number];

/** What the editor asks for, and remembers per workspace: everything but the password. */
export interface PostgresConnectionFields {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly tls: TlsMode;
}

/** Why a host is not one, or undefined when it is. */
export function checkHost(text: string): string | undefined {
  const host = text.trim();
  if (host === '') return messages.postgresFieldEmpty('host');
  if (/[\s/@?#]/.test(host)) return messages.postgresHostInvalid(host);
  return undefined;
}

/** Why a port is not one, or undefined when it is. */
export function checkPort(text: string): string | undefined {
  const port = Number(text.trim());
  return /^\d+$/.test(text.trim()) && port >= 1 && port <= 65535 ? undefined : messages.postgresPortInvalid('The port', text.trim());
}

/** The source string of these fields: a URL without a password, with its TLS mode. */
export function postgresSourceUrl(fields: PostgresConnectionFields): string {
  const host = fields.host.includes(':') ? `[${fields.host}]` : fields.host;
  return `postgres://${encodeURIComponent(fields.user)}@${host}:${fields.port}/${encodeURIComponent(fields.database)}?sslmode=${fields.tls}`;
}

/** The fields of a URL (its password apart), for a URL typed or pasted where a host is asked. */
export function fieldsOfPostgresUrl(url: string): { fields: PostgresConnectionFields; password?: string } {
  const settings = parsePostgresUrl(url);
  const mode = new URL(url.replace(/^[a-z0-9+]+:\/\//i, 'postgres://')).searchParams.get('sslmode') ?? 'prefer';
  if (!(TLS_MODES as readonly string[]).includes(mode)) throw new PitwallError('input', messages.postgresTlsModeInvalid(mode, TLS_MODES));
  return {
    fields: { host: settings.host, port: settings.port, database: settings.database, user: settings.user, tls: mode as TlsMode },
    ...(settings.password === undefined ? {} : { password: settings.password }),
  };
}

/** A URL with a password split into the URL without it and the password; other sources as they are. */
export function splitPostgresPassword(source: string): { source: string; password?: string } {
  if (!/^postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\//i.test(source)) return { source };
  const { fields, password } = fieldsOfPostgresUrl(source);
  return { source: postgresSourceUrl(fields), ...(password === undefined ? {} : { password }) };
}

/** The key under which the password of these fields is kept in SecretStorage: one per user, server and database. */
export function postgresSecretKey(fields: PostgresConnectionFields): string {
  return `pitwall.postgres.password:${encodeURIComponent(fields.user)}@${fields.host}:${fields.port}/${encodeURIComponent(fields.database)}`;
}

/** Remembered fields read back from the workspace's memory; undefined when they are not valid fields. */
export function rememberedFields(value: unknown): PostgresConnectionFields | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.host !== 'string' || checkHost(v.host) !== undefined) return undefined;
  if (typeof v.port !== 'number' || checkPort(String(v.port)) !== undefined) return undefined;
  if (typeof v.database !== 'string' || v.database === '' || typeof v.user !== 'string' || v.user === '') return undefined;
  if (typeof v.tls !== 'string' || !(TLS_MODES as readonly string[]).includes(v.tls)) return undefined;
  return { host: v.host, port: v.port, database: v.database, user: v.user, tls: v.tls as TlsMode };
}
