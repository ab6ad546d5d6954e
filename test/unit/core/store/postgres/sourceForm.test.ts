import * as assert from 'node:assert/strict';
import { parsePostgresUrl } from '../../../../../src/core/store/postgres/connection';
import {
  checkHost,
  checkPort,
  fieldsOfPostgresUrl,
  postgresSecretKey,
  postgresSourceUrl,
  rememberedFields,
  splitPostgresPassword,
} from '../../../../../src/core/store/postgres/sourceForm';

describe('PostgreSQL source form: the fields the editor asks for, as a URL without the password', () => {
  const fields = { host: 'db.example.com', port: 5433, database: 'f1 monitoring', user: 'ana@ops', tls: 'verify-full' as const };

  it('writes a URL that names no password and reads back to the same fields and TLS settings', () => {
    const url = postgresSourceUrl(fields);
    assert.equal(url, 'postgres://ana%40ops@db.example.com:5433/f1%20monitoring?sslmode=verify-full');
    assert.deepEqual(fieldsOfPostgresUrl(url), { fields });
    const settings = parsePostgresUrl(url);
    assert.equal(settings.password, undefined);
    assert.deepEqual(settings.ssl, { rejectUnauthorized: true });
    assert.equal(parsePostgresUrl(postgresSourceUrl({ ...fields, tls: 'disable' })).ssl, undefined);
    assert.equal(postgresSourceUrl({ ...fields, host: '::1' }), 'postgres://ana%40ops@[::1]:5433/f1%20monitoring?sslmode=verify-full');
  });

  it('takes the password out of a pasted URL, and leaves paths alone', () => {
    assert.deepEqual(splitPostgresPassword('postgresql://bob:s3cr%40t@10.0.0.5/monitoring?sslmode=require'), {
      source: 'postgres://bob@10.0.0.5:5432/monitoring?sslmode=require',
      password: 's3cr@t',
    });
    assert.deepEqual(splitPostgresPassword('postgres://bob@10.0.0.5/monitoring'), { source: 'postgres://bob@10.0.0.5:5432/monitoring?sslmode=prefer' });
    assert.deepEqual(splitPostgresPassword('/data/monitoring.db'), { source: '/data/monitoring.db' });
    assert.throws(() => fieldsOfPostgresUrl('postgres://bob@h/db?sslmode=verify-sometimes'), /sslmode=verify-sometimes is not one Pitwall knows: use disable, prefer, require, verify-full/);
  });

  it('checks host and port as they are typed', () => {
    assert.equal(checkHost('db.example.com'), undefined);
    assert.equal(checkHost('::1'), undefined);
    assert.match(checkHost('  ') ?? '', /Give the host/);
    assert.match(checkHost('user@db') ?? '', /is not a host name or address/);
    assert.equal(checkPort('5432'), undefined);
    for (const bad of ['0', '65536', '54a', '']) assert.match(checkPort(bad) ?? '', /must be a port number from 1 to 65535/, bad);
  });

  it('keys the saved password by user, server and database, and reads remembered fields only when valid', () => {
    assert.equal(postgresSecretKey(fields), 'pitwall.postgres.password:ana%40ops@db.example.com:5433/f1%20monitoring');
    assert.notEqual(postgresSecretKey(fields), postgresSecretKey({ ...fields, database: 'other' }));
    assert.deepEqual(rememberedFields(JSON.parse(JSON.stringify(fields))), fields);
    for (const bad of [undefined, null, 'x', { ...fields, port: 0 }, { ...fields, tls: 'allow' }, { ...fields, user: '' }, { ...fields, host: 'a b' }]) assert.equal(rememberedFields(bad), undefined);
  });
});
