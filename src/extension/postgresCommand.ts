/**
 * Pitwall: Open PostgreSQL Database… — host, port, database, user, password and TLS mode in one
 * multi-step input (a whole postgres:// URL may be pasted where the host is asked). The password
 * goes to SecretStorage, the rest to the workspace's memory, so a reload opens the same database
 * again without asking; a refused password is asked for again, saying so. The source shown and
 * logged is the URL without the password.
 */
import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import { messages } from '../core/messages';
import { describeAddress } from '../core/store/postgres/connection';
import {
  checkHost,
  checkPort,
  fieldsOfPostgresUrl,
  postgresSecretKey,
  postgresSourceUrl,
  rememberedFields,
  TLS_MODES,
  type PostgresConnectionFields,
  type TlsMode,
} from '../core/store/postgres/sourceForm';
import type { CommandContext } from './commands';

/** The fields of the last PostgreSQL source opened here, without the password. */
const REMEMBERED = 'pitwall.postgres.connection';
/** Whether that source was the one open at the end: a reload opens it again. */
const REOPEN = 'pitwall.postgres.reopen';

export interface PostgresCommandContext extends CommandContext {
  readonly secrets: vscode.SecretStorage;
  readonly state: vscode.Memento;
}

const TITLE = 'Pitwall: Open PostgreSQL Database';
const STEPS = 6;

const TLS_DETAILS: Readonly<Record<TlsMode, string>> = {
  disable: 'No TLS: only on a trusted network or a local socket',
  prefer: 'As libpq: TLS if the server offers it (Pitwall connects without TLS)',
  require: 'TLS, without checking the certificate',
  'verify-full': 'TLS, the certificate checked against the host name',
};

/** One step of the input; undefined when it is cancelled. */
function askText(step: number, options: { prompt: string; value: string; password?: boolean; message?: string; check: (text: string) => string | undefined }): Promise<string | undefined> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    box.title = TITLE;
    box.step = step;
    box.totalSteps = STEPS;
    box.prompt = options.prompt;
    box.value = options.value;
    box.password = options.password === true;
    box.ignoreFocusOut = true;
    if (options.message !== undefined) box.validationMessage = { message: options.message, severity: vscode.InputBoxValidationSeverity.Warning };
    let done = false;
    box.onDidChangeValue(() => (box.validationMessage = undefined));
    box.onDidAccept(() => {
      const problem = options.check(box.value);
      if (problem !== undefined) {
        box.validationMessage = problem;
        return;
      }
      done = true;
      resolve(box.value);
      box.hide();
    });
    box.onDidHide(() => {
      if (!done) resolve(undefined);
      box.dispose();
    });
    box.show();
  });
}

function askTls(current: TlsMode): Promise<TlsMode | undefined> {
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { mode: TlsMode }>();
    pick.title = TITLE;
    pick.step = STEPS;
    pick.totalSteps = STEPS;
    pick.placeholder = 'TLS mode (sslmode)';
    pick.ignoreFocusOut = true;
    pick.items = TLS_MODES.map((mode) => ({ label: mode, detail: TLS_DETAILS[mode], mode }));
    pick.activeItems = pick.items.filter((item) => item.mode === current);
    let done = false;
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0] ?? pick.activeItems[0];
      if (chosen === undefined) return;
      done = true;
      resolve(chosen.mode);
      pick.hide();
    });
    pick.onDidHide(() => {
      if (!done) resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

function askPassword(fields: PostgresConnectionFields, saved: boolean, message?: string): Promise<string | undefined> {
  return askText(5, {
    prompt: saved
      ? `Password of ${fields.user} (kept in the editor's secret storage; leave empty to use the saved one)`
      : `Password of ${fields.user} (kept in the editor's secret storage; empty for none: the server's trust or ~/.pgpass)`,
    value: '',
    password: true,
    ...(message === undefined ? {} : { message }),
    check: () => undefined,
  });
}

/** The fields, asked step by step from the remembered ones; a URL pasted as the host fills them all. */
async function askFields(context: PostgresCommandContext): Promise<{ fields: PostgresConnectionFields; password?: string; fromUrl: boolean } | undefined> {
  const last = rememberedFields(context.state.get(REMEMBERED));
  const hostOrUrl = await askText(1, {
    prompt: 'Host name or address of the PostgreSQL server (or paste a postgres:// URL)',
    value: last?.host ?? 'localhost',
    check: (text) => {
      if (!/^postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\//i.test(text.trim())) return checkHost(text);
      try {
        fieldsOfPostgresUrl(text.trim());
        return undefined;
      } catch (error) {
        return describeError(error);
      }
    },
  });
  if (hostOrUrl === undefined) return undefined;
  if (/^postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\//i.test(hostOrUrl.trim())) return { ...fieldsOfPostgresUrl(hostOrUrl.trim()), fromUrl: true };
  const port = await askText(2, { prompt: 'Port', value: String(last?.port ?? 5432), check: checkPort });
  if (port === undefined) return undefined;
  const database = await askText(3, { prompt: 'Database', value: last?.database ?? 'f1_predict_monitoring', check: (text) => (text.trim() === '' ? messages.postgresFieldEmpty('database') : undefined) });
  if (database === undefined) return undefined;
  const user = await askText(4, { prompt: 'User', value: last?.user ?? 'postgres', check: (text) => (text.trim() === '' ? messages.postgresFieldEmpty('user') : undefined) });
  if (user === undefined) return undefined;
  const partial = { host: hostOrUrl.trim(), port: Number(port.trim()), database: database.trim(), user: user.trim(), tls: last?.tls ?? ('prefer' as TlsMode) };
  const saved = (await context.secrets.get(postgresSecretKey(partial))) !== undefined;
  const password = await askPassword(partial, saved);
  if (password === undefined) return undefined;
  const tls = await askTls(partial.tls);
  if (tls === undefined) return undefined;
  return { fields: { ...partial, tls }, ...(password === '' ? {} : { password }), fromUrl: false };
}

function isPasswordRefused(error: unknown, fields: PostgresConnectionFields): boolean {
  return describeError(error) === messages.postgresAuthFailed(describeAddress(fields), fields.user);
}

/**
 * Opens the database with this password (else the saved one), asking again while the server
 * refuses it. On success the password is saved and the fields remembered. False when cancelled
 * or failed (a failure other than the password is shown with its reason).
 */
async function openWithPassword(context: PostgresCommandContext, fields: PostgresConnectionFields, given: string | undefined, interactive: boolean): Promise<boolean> {
  const key = postgresSecretKey(fields);
  const url = postgresSourceUrl(fields);
  let password = given ?? (await context.secrets.get(key));
  for (;;) {
    try {
      await vscode.window.withProgress({ location: { viewId: 'pitwall.alerts' }, title: 'Opening monitoring source' }, () => context.sources.open(url, password));
      if (password !== undefined && password !== '') await context.secrets.store(key, password);
      await context.state.update(REMEMBERED, fields);
      await context.state.update(REOPEN, true);
      return true;
    } catch (error) {
      context.log.error(`Opening ${url} failed: ${describeError(error)}`);
      if (!isPasswordRefused(error, fields)) {
        void vscode.window.showErrorMessage(describeError(error), 'Show Log').then((choice) => choice && context.log.show());
        return false;
      }
      const refused = messages.postgresPasswordRefused(describeAddress(fields), fields.user);
      if (!interactive) {
        // At start-up nothing pops up unasked: the notification offers the password input.
        const choice = await vscode.window.showWarningMessage(refused, 'Enter Password');
        if (choice === undefined) return false;
        interactive = true;
      }
      const again = await askPassword(fields, false, refused);
      if (again === undefined) return false;
      password = again;
    }
  }
}

export async function openPostgresDatabase(context: PostgresCommandContext): Promise<boolean> {
  const asked = await askFields(context);
  if (asked === undefined) return false;
  return openWithPassword(context, asked.fields, asked.password, true);
}

/** At start-up: the PostgreSQL source that was open when the workspace was last left, its password from SecretStorage. Undefined when there is none. */
export function rememberedPostgresSource(state: vscode.Memento): PostgresConnectionFields | undefined {
  return state.get<boolean>(REOPEN) === true ? rememberedFields(state.get(REMEMBERED)) : undefined;
}

export function reopenPostgresDatabase(context: PostgresCommandContext, fields: PostgresConnectionFields): Promise<boolean> {
  return openWithPassword(context, fields, undefined, false);
}

export function registerPostgresCommands(context: PostgresCommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('pitwall.openPostgres', () => openPostgresDatabase(context)),
    // Another source opened, or the source closed: a reload no longer opens the database.
    context.sources.onDidChange((source) => {
      if (source?.description.kind !== 'postgres' && context.state.get<boolean>(REOPEN) === true) void context.state.update(REOPEN, false);
    }),
  ];
}
