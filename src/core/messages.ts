/**
 * Every user-visible sentence the kernel can produce. Keep them short, name the file,
 * line or row and field, and say what to do.
 */

/** A rule's comparison in words: "0.59 is below the threshold 0.78". */
const COMPARISON_WORDS: Readonly<Record<string, string>> = {
  '<': 'below',
  '<=': 'at or below',
  '>': 'above',
  '>=': 'at or above',
  '==': 'equal to',
  '!=': 'other than',
};

/** At most this many names in a "valid:" list, so that a thousand feature names stay one line. */
const SHOWN_NAMES = 30;

function shortList(names: readonly string[]): string {
  const more = names.length - SHOWN_NAMES;
  return more > 0 ? `${names.slice(0, SHOWN_NAMES).join(', ')} … (${more} more)` : names.join(', ');
}

export const messages = {
  // --- what an analysis covered (every analytics command echoes it) ------------
  analysisScope: (from: string, to: string, model: string | null, window: string | null) =>
    `Range: ${from} … ${to} · model: ${model ?? 'every version'} · window: ${window ?? 'the whole range'}`,
  rangeOutsideData: (range: string, model: string | null, first: string, last: string) =>
    `No predictions${model === null ? '' : ` of ${model}`} ${range}: the data${model === null ? '' : ` of ${model}`} spans ${first} … ${last}.`,
  driftScope: (baseline: string, current: string, model: string | null) => `Baseline: ${baseline} · current: ${current} · model: ${model ?? 'every version'}`,
  backtestScope: (from: string, to: string, every: string) => `Replay: ${from} … ${to} · every ${every}`,
  backtestNoPredictions: () => 'No predictions to replay the rule over: the source has none (give --from and --to to replay an empty range).',
  backtestRangeEmpty: () => "The replay's end must be after its start (--to after --from).",
  versionWithoutPredictions: (model: string) => `No predictions of ${model} in this source (it is known from other records only).`,
  sourceWithoutPredictions: () => 'No predictions in this source.',

  // --- the alert list ----------------------------------------------------------
  relativeTimeUnreadable: (flag: string, text: string) =>
    `--${flag} needs a time: ISO 8601, unix seconds, or an age such as 30m, 24h, 7d (before now), not "${text}".`,

  // --- sources -------------------------------------------------------------
  sourceNotFound: (path: string) => `No monitoring source at ${path}: choose a JSONL folder or a SQLite file.`,
  sourceUnrecognised: (path: string) =>
    `${path} is neither a JSONL monitoring folder nor a SQLite database (.db, .sqlite, .sqlite3).`,

  sourceHoldsNoData: (path: string) =>
    `Nothing was written to ${path}: it holds no monitoring data (none of predictions.jsonl, alerts.jsonl, alert_rules.json and the other monitoring files; in a database, none of the predictions, alerts, alert_rules and other tables). Check the path, or ask to create a new source there (--create).`,
  notRegularFile: (path: string) =>
    `${path} is not a regular file (a directory, pipe or device): Pitwall reads monitoring data only from regular files`,
  writeThroughSymlink: (path: string) =>
    `Nothing was written to ${path}: it is a symbolic link, and Pitwall writes only to the regular files themselves, never through a link (replace the link with the file it points to).`,
  writeNotRegularFile: (path: string) =>
    `Nothing was written to ${path}: it is not a regular file (a directory, pipe or device), and Pitwall writes only to regular files.`,

  // --- model (schemas and encodings) ----------------------------------------
  // Reasons are fragments that follow a field name: "confidence must be between 0 and 1, not 1.5".
  fieldMissing: () => 'is missing',
  fieldEmpty: () => 'must not be empty',
  fieldWrongType: (expected: string, got: string) => `must be ${expected}, not ${got}`,
  fieldNotFinite: (got: string) => `must be a finite number, not ${got}`,
  fieldOutOfRange: (min: number, max: number, got: string) => `must be between ${min} and ${max}, not ${got}`,
  fieldNotOneOf: (allowed: readonly (string | number | boolean)[], got: string) =>
    `must be one of ${allowed.map((value) => (typeof value === 'string' ? `"${value}"` : String(value))).join(', ')}, not ${got}`,
  featureNotScalar: (got: string) => `must be a number, text, true/false or null, not ${got}`,
  jsonTextInvalid: (got: string) => `must be JSON, but the text ${got} does not parse`,
  jsonTooDeep: (maxDepth: number) => `nests arrays or objects deeper than ${maxDepth} levels`,
  timestampUnreadable: (got: string) =>
    `must be a timestamp (unix seconds, ISO 8601, or YYYY-MM-DD HH:MM:SS[.ffffff] in UTC), not ${got}`,
  timestampOutOfRange: (got: string) => `must be a time between the years 1 and 9999, not ${got}`,
  recordNotObject: (got: string) => `must be a JSON object, not ${got}`,
  fieldUnknown: () => 'is not a field Pitwall knows (kept as it is; check its spelling)',
  fieldIssue: (field: string, reason: string) => (field === '' ? `the record ${reason}` : `${field} ${reason}`),

  // --- jsonl store -----------------------------------------------------------
  jsonlNotFolder: (path: string) =>
    `${path} is not a folder: a JSONL monitoring source is the folder that holds predictions.jsonl, alerts.jsonl and the other files.`,
  jsonlNoData: (path: string) =>
    `${path} holds none of the monitoring files (predictions.jsonl, outcomes.jsonl, health_snapshots.jsonl, metrics.jsonl, alerts.jsonl, alert_rules.json).`,
  jsonlReadFailed: (file: string, detail: string) => `Cannot read ${file}: ${detail}.`,
  jsonlLineSkipped: (file: string, line: number, problem: string) => `${file} line ${line}: ${problem}. The line was skipped.`,
  jsonlLineNotJson: (detail: string) => `not valid JSON (${detail})`,
  jsonlLineNonFinite: () =>
    'not valid JSON: NaN and Infinity are not JSON numbers (its writer must store a finite number or null)',
  jsonlLineNotUtf8: () => 'not valid UTF-8 text',
  jsonlLineTooLong: (maxBytes: number) => `longer than ${maxBytes} bytes, more than any monitoring record needs`,
  jsonlDuplicatePrediction: (predictionId: string, firstLine: number) =>
    `"${predictionId}" was already recorded on line ${firstLine}, which is the one kept`,
  jsonlMoreProblems: (file: string, count: number) => `${file} has ${count} more bad lines than are listed.`,
  jsonlPendingLine: (file: string, bytes: number) =>
    `${file} ends in an incomplete line (${bytes} bytes, no newline yet): it is read once its writer finishes it.`,
  jsonlOrphanOutcomes: (file: string, count: number) =>
    `${file} has outcomes for ${count} predictions that predictions.jsonl does not hold (yet); they join when those predictions appear.`,
  jsonlRulesNotJson: (file: string, detail: string) =>
    `${file} is not valid JSON (${detail}): no rules were read from it. Fix the file, or restore it from a backup.`,
  jsonlRulesNotArray: (file: string, got: string) => `${file} must hold a JSON array of rules, not ${got}: no rules were read from it.`,
  jsonlRuleSkipped: (file: string, index: number, problem: string) => `${file}[${index}]: ${problem}. The rule was skipped.`,
  jsonlRuleNote: (file: string, index: number, problem: string) => `${file}[${index}]: ${problem}.`,
  jsonlDuplicateRule: (ruleId: string, firstIndex: number) => `"${ruleId}" is already used by rule [${firstIndex}], which is the one kept`,
  jsonlClosed: (path: string) => `The monitoring source ${path} was closed: open it again.`,
  jsonlFolderNotWritable: (path: string, detail: string) =>
    `Pitwall cannot write to ${path}: the folder is not writable (${detail}). It is open read-only.`,
  jsonlFileNotWritable: (file: string, detail: string) =>
    `Pitwall cannot write to ${file}: the file is not writable (${detail}). The folder is open read-only.`,
  jsonlWriteFailed: (file: string, detail: string) => `Nothing was written to ${file}: ${detail}.`,
  jsonlRecordInvalid: (file: string, what: string, details: string) =>
    `Nothing was written to ${file}: the ${what} is not valid: ${details}.`,
  jsonlRecordTooLong: (file: string, what: string, bytes: number, maxBytes: number) =>
    `Nothing was written to ${file}: the ${what} takes ${bytes} bytes as a line, more than the ${maxBytes} a reader of the file accepts.`,
  jsonlPredictionExists: (file: string, predictionId: string) =>
    `Nothing was written to ${file}: a prediction with prediction_id "${predictionId}" is already recorded, and prediction ids must be unique.`,
  jsonlMetricIncomplete: (file: string, field: string) =>
    `Nothing was written to ${file}: it holds the Python system's PerformanceMetric, which needs a ${field}, and this metric snapshot has none.`,
  jsonlKeptChanging: (file: string, attempts: number) =>
    `Nothing was written to ${file}: another program kept changing it while Pitwall rewrote it (${attempts} attempts). Try again when its writer is idle.`,
  jsonlNotRewritable: (file: string, detail: string) =>
    `Pitwall will not rewrite ${file}: it cannot read all of it back (${detail}), and a rewrite would lose what it cannot read. Fix the file, or restore it from a backup.`,
  jsonlRuleSettingsNotJson: (file: string, detail: string) =>
    `${file} is not a JSON object of rule settings (${detail}): Pitwall's rule settings (for_minutes, min_samples, last_triggered) were not read from it.`,
  jsonlRuleSettingsSkipped: (file: string, ruleId: string, problem: string) =>
    `${file}, rule "${ruleId}": ${problem}. These settings were ignored.`,
  jsonlAcknowledgmentNotLogged: (file: string, detail: string) =>
    `The alerts were acknowledged, but who acknowledged them, when and the comment could not be added to ${file} (${detail}).`,
  jsonlRewrittenMeanwhile: (file: string) =>
    `${file} was rewritten by another process during the acknowledgment: the lines appended to the replaced file meanwhile were not carried into the new one, and that process's change went into the replaced file and is lost. Check the open alerts and acknowledge again if needed.`,
  jsonlCarryFailed: (file: string, detail: string) =>
    `After Pitwall rewrote ${file}, lines another program appended to the replaced file could not be copied into it (${detail}): they may be missing.`,

  // --- sqlite store ----------------------------------------------------------
  sqliteNotFound: (path: string) => `No SQLite database at ${path}: the file does not exist.`,
  sqliteReadFailed: (path: string, detail: string) => `Cannot read ${path}: ${detail}.`,
  sqliteNotDatabase: (path: string) =>
    `${path} is not a SQLite database: it does not start with "SQLite format 3". Choose the monitoring database file.`,
  sqliteTruncated: (path: string, expectedBytes: number, actualBytes: number) =>
    `${path} is truncated: its header describes ${expectedBytes} bytes but the file holds ${actualBytes}. Restore it from a backup.`,
  sqlitePageOutOfRange: (path: string, page: number, pageCount: number) =>
    `${path} is damaged: a b-tree points to page ${page}, but the database has ${pageCount} pages. Restore it from a backup, or salvage it with the sqlite3 shell's .recover command.`,
  storeOpenCancelled: (path: string) => `Opening ${path} was cancelled.`,
  storeWorkerFailed: (path: string, detail: string) => `The reader of ${path} failed: ${detail}. Open the source again; the log has details.`,
  storeWorkerStopped: (path: string, code: number) => `The reader of ${path} stopped (exit code ${code}). Open the source again.`,
  sqliteBadPageSize: (path: string, pageSize: number) =>
    `${path} is corrupt: its header gives the impossible page size ${pageSize}. Restore it from a backup.`,
  sqliteCorrupt: (path: string, detail: string) =>
    `${path} is corrupt (SQLite says: ${detail}). Restore it from a backup, or salvage it with the sqlite3 shell's .recover command.`,
  sqliteUnsupported: (path: string, detail: string) =>
    `${path} uses a SQLite feature this reader does not support (SQLite says: ${detail}).`,
  sqliteQuickCheckFailed: (path: string, problems: readonly string[]) =>
    `${path} failed SQLite's quick_check: ${problems.slice(0, 3).join('; ')}${
      problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''
    }. Restore it from a backup, or salvage it with the sqlite3 shell's .recover command.`,
  sqliteKeptChanging: (path: string, attempts: number) =>
    `${path} kept changing while it was read (${attempts} attempts): try again when its writer is idle.`,
  sqliteMissingTable: (path: string, table: string) =>
    `${path} has no ${table} table (an older schema): opened without it.`,
  sqliteMissingColumn: (path: string, table: string, column: string) =>
    `${path} has no ${table}.${column} column (an older schema): opened without it.`,
  walInvalidHeader: (walPath: string) =>
    `${walPath} has no valid write-ahead-log header and was ignored, as SQLite does.`,
  walUnsupportedVersion: (walPath: string, version: number) =>
    `${walPath} has write-ahead-log format version ${version}; SQLite and Pitwall read version 3007000 only.`,
  walPageSizeMismatch: (walPath: string, walPageSize: number, dbPageSize: number) =>
    `${walPath} holds ${walPageSize}-byte pages but its database has ${dbPageSize}-byte pages and the log does not rewrite page 1: the pair is inconsistent. Check it with the sqlite3 shell.`,
  sqlJsUnavailable: (wasmPath: string, detail: string) =>
    `Cannot load the SQLite engine (sql.js) from ${wasmPath}: ${detail}. Reinstall Pitwall.`,

  // --- sqlite store (records) ------------------------------------------------
  sqliteRowSkipped: (file: string, table: string, row: number, problem: string) =>
    `${file}, ${table} row ${row}: ${problem}. The row was skipped.`,
  sqliteRowNote: (file: string, table: string, row: number, problem: string) => `${file}, ${table} row ${row}: ${problem}.`,
  sqliteTimestampNotText: (field: string, got: string) =>
    `${field} is stored as ${got}, not as YYYY-MM-DD HH:MM:SS.ffffff text; time filters and ordering compare the stored text and may misplace this row`,
  sqliteMoreProblems: (file: string, table: string, count: number) =>
    `${file}, ${table} has ${count} more bad rows than are listed.`,
  sqliteTimeBoundNaN: (bound: string) => `The time range's "${bound}" must be a number of seconds, not NaN.`,
  sqliteReadQueryFailed: (file: string, table: string, detail: string) =>
    `Cannot read the ${table} table of ${file} (SQLite says: ${detail}).`,
  sqliteStoreClosed: (path: string) => `The monitoring database ${path} was closed: open it again.`,
  sqliteRecordInvalid: (path: string, what: string, details: string) =>
    `Nothing was written to ${path}: the ${what} is not valid: ${details}.`,
  sqliteWriteTableMissing: (path: string, table: string) =>
    `Nothing was written to ${path}: it has no ${table} table (an older schema).`,
  sqliteWriteColumnMissing: (path: string, table: string, column: string) =>
    `Nothing was written to ${path}: it has no ${table}.${column} column (an older schema) to hold the value.`,
  sqliteWriteColumnRequired: (path: string, table: string, column: string) =>
    `Nothing was written to ${path}: ${table}.${column} must have a value, not null.`,
  sqliteDuplicatePrediction: (path: string, predictionId: string) =>
    `Nothing was written to ${path}: a prediction with prediction_id "${predictionId}" is already recorded, and prediction ids must be unique.`,
  sqliteDuplicateAlert: (path: string, alertId: string) =>
    `Nothing was written to ${path}: an alert with alert_id "${alertId}" is already recorded, and alert ids must be unique.`,

  sqliteDamagedReadOnly: (path: string) =>
    `${path} is damaged (see its warnings): Pitwall reads what it can but will not write to it. Repair it first (the sqlite3 shell's .recover command).`,
  sqliteEmptyFile: (path: string) =>
    `${path} is empty (0 bytes): no monitoring data yet. Point Pitwall at the database your service writes, or let the service create its tables first.`,
  sqliteRuleRowUnreadable: (file: string, ruleId: string, rows: readonly number[]) =>
    `${file}: alert_rules row ${rows.join(', ')} already has rule_id "${ruleId}" but could not be read (see the source's warnings); fix or delete that row first, so that its values are not overwritten unseen.`,

  // --- writes ----------------------------------------------------------------
  sqliteReadOnlyNoWriter: (path: string, python: string) =>
    `Pitwall cannot write to ${path}: Node.js has no node:sqlite and ${python} was not found. It is open read-only.`,
  sqliteReadOnlyOpenFailed: (path: string, writer: string, detail: string) =>
    `Pitwall cannot write to ${path}: ${writer} could not open it for writing (${detail}). It is open read-only.`,
  sqliteReadOnlyNotWritable: (path: string, detail: string) =>
    `Pitwall cannot write to ${path}: the file is not writable (${detail}). It is open read-only.`,
  sqliteStatementFailed: (path: string, statement: number, count: number, detail: string) =>
    `Nothing was written to ${path}: statement ${statement} of ${count} failed (SQLite says: ${detail}).`,
  sqliteTransactionFailed: (path: string, detail: string) => `Nothing was written to ${path}: SQLite says: ${detail}.`,
  sqliteQueryFailed: (path: string, detail: string) => `Cannot read ${path} through its writer: SQLite says: ${detail}.`,
  sqliteWriteBusy: (path: string, attempts: number) =>
    `Nothing was written to ${path}: another process kept it locked through ${attempts} attempts. Try again in a moment.`,
  sqliteWriterStopped: (path: string, detail: string) =>
    `The python3 helper writing ${path} stopped (${detail}) before it answered: the change was applied entirely or not at all. Refresh to see which; the next write starts a new helper.`,
  sqliteWriterTimedOut: (path: string, seconds: number) =>
    `The python3 helper writing ${path} did not answer within ${seconds} s and was stopped: the change was applied entirely or not at all. Refresh to see which; the next write starts a new helper.`,
  sqliteWriterRestartFailed: (path: string, detail: string) =>
    `Nothing was written to ${path}: the python3 helper could not be started again (${detail}).`,
  sqliteWriterClosed: (path: string) => `The writer of ${path} is closed: open the source again to write to it.`,
  sqliteStatementMalformed: (statement: number) =>
    `Statement ${statement} must have SQL text and a list of parameters. Nothing was written.`,
  sqliteParamInvalid: (statement: number, parameter: number, got: string) =>
    `Statement ${statement}, parameter ${parameter} must be text, a finite number or null, not ${got}. Nothing was written.`,
  sqliteNewDatabaseExists: (path: string) =>
    `${path} already exists: Pitwall writes a new database only to a new file and never replaces one. Choose another name.`,
  sqliteNewDatabaseLeftover: (path: string, leftover: string) =>
    `${leftover} is left over from an earlier database named ${path}, and SQLite would apply it to a new one: move it away or choose another name.`,
  sqliteNewDatabaseStatementFailed: (path: string, statement: number, count: number, detail: string) =>
    `Cannot create ${path}: statement ${statement} of ${count} failed (SQLite says: ${detail}). Nothing was written.`,
  sqliteNewDatabaseWriteFailed: (path: string, detail: string) => `Cannot create ${path}: ${detail}.`,
  // --- PostgreSQL -------------------------------------------------------------
  postgresSettingsMissing: () =>
    'No PostgreSQL settings: give a postgres:// URL, or set MONITORING_DB_HOST, _PORT, _USER, _PASSWORD and _NAME (or MONITORING_DB_URL) as the Python monitoring system reads them.',
  postgresUrlInvalid: (source: string, detail: string) => `${source} is not a PostgreSQL URL (${detail}): write postgres://user@host:5432/database.`,
  postgresPortInvalid: (setting: string, value: string) => `${setting} must be a port number from 1 to 65535, not "${value}".`,
  postgresAuthFailed: (address: string, user: string) =>
    `PostgreSQL at ${address} refused user "${user}": wrong password or no such user (check the URL or MONITORING_DB_USER / MONITORING_DB_PASSWORD).`,
  postgresUnreachable: (address: string, detail: string) => `Cannot reach PostgreSQL at ${address}: ${detail}. Is the server running, and are host and port right?`,
  postgresNoDatabase: (address: string) => `PostgreSQL has no database ${address}: check the database name in the URL or MONITORING_DB_NAME.`,
  postgresNoMonitoringTables: (address: string, tables: readonly string[]) =>
    `${address} holds none of the monitoring tables (${tables.join(', ')}): is this the Python monitoring system's database?`,
  postgresTablesMissing: (address: string, tables: readonly string[]) =>
    `${address} lacks the monitoring table${tables.length === 1 ? '' : 's'} ${tables.join(', ')}: ${tables.length === 1 ? 'it reads' : 'they read'} as empty.`,
  postgresTableMissing: (address: string, table: string) => `${address} has no table ${table}: nothing was written.`,
  postgresQueryFailed: (address: string, detail: string) => `PostgreSQL at ${address} says: ${detail}.`,
  postgresTimedOut: (address: string, seconds: number) => `A query on ${address} took longer than ${seconds} s and was cancelled (statement timeout).`,
  postgresReadOnly: (address: string, reason: string) => `${address} is open read-only (${reason}): nothing was written.`,
  postgresWriteDenied: (address: string, detail: string) => `PostgreSQL at ${address} refused the write: ${detail}. Nothing was written.`,
  postgresRowSkipped: (address: string, table: string, row: number, problem: string) => `${address}, ${table} row ${row} skipped: ${problem}.`,
  postgresReconnected: (address: string, detail: string) => `The connection to ${address} was lost (${detail}) and made again; what was read after it is current.`,
  postgresWriteConnectionLost: (address: string, detail: string) =>
    `The connection to ${address} was lost during a write (${detail}): the write may not have been made. Check, and repeat it; the next command connects again.`,
  postgresClosed: (address: string) => `The connection to ${address} was closed: open the source again.`,
  postgresRecordInvalid: (address: string, what: string, details: string) => `Nothing was written to ${address}: the ${what} is not valid: ${details}.`,
  postgresDuplicate: (address: string, what: string, field: string, value: string) =>
    `Nothing was written to ${address}: a ${what} with ${field} "${value}" is already recorded, and each ${field} must be unique.`,
  postgresWriteColumnMissing: (address: string, table: string, column: string) =>
    `Nothing was written to ${address}: it has no ${table}.${column} column (an older schema) to hold the value.`,
  postgresWriteColumnRequired: (address: string, table: string, column: string) => `Nothing was written to ${address}: ${table}.${column} must have a value, not null.`,
  postgresRuleRowUnreadable: (address: string, ruleId: string, rows: readonly number[]) =>
    `${address}: alert_rules row ${rows.join(', ')} already has rule_id "${ruleId}" but could not be read (see the source's warnings); fix or delete that row first, so that its values are not overwritten unseen.`,
  postgresMigrationTargetNotEmpty: (address: string, tables: readonly string[]) =>
    `${address} already holds rows in ${tables.join(', ')}: nothing was migrated. Migrate into an empty database (one without the monitoring tables, or with them empty).`,
  postgresMigrationRowRefused: (source: string, table: string, row: number, column: string, reason: string) =>
    `${source}, ${table} row ${row}: ${column} ${reason}, which PostgreSQL does not take; the row was not copied.`,
  postgresMigrationBothServers: () => 'Migrate between two PostgreSQL databases with pg_dump: pitwall migrate copies into PostgreSQL from a JSONL folder or a SQLite file, and out of it into a new SQLite file.',
  postgresMigrationReadsOnly: () => 'a migration out of PostgreSQL only reads it',
  postgresExportSkipped: (address: string, table: string, reason: string) => `${address}, ${table}: ${reason}; it was not written to the folder.`,
  postgresExportOutcomeWithoutTime: (predictionId: string) => `prediction "${predictionId}" has a label without actual_outcome_timestamp, which outcomes.jsonl needs`,
  postgresExportMetricIncomplete: (metric: string, field: string) => `a ${metric} snapshot has no ${field}, which metrics.jsonl needs`,
  postgresExportMetricVersions: (file: string) => `${file} has no model_version: the metric snapshots' model versions are not in the folder.`,
  postgresMigrationTargetExists: (path: string) => `${path} already exists: nothing was migrated. A copy out of PostgreSQL goes to a new file or a new folder.`,

  // --- migration -------------------------------------------------------------
  migrationTargetIsFolder: (path: string) =>
    `${path} is a folder: migrate into a SQLite database file (a new name, or an existing monitoring database).`,
  migrationTargetFolderMissing: (folder: string) => `The folder ${folder} does not exist: create it, or choose another place for the database.`,
  migrationTargetNotSqlite: (path: string) =>
    `${path} is not a SQLite database (it does not start with "SQLite format 3"): nothing was migrated and the file was left as it was. Choose a new file name or a monitoring database.`,
  migrationTargetReadOnly: (reason: string) => `Nothing was migrated. ${reason}`,
  migrationTargetOldSchema: (path: string, columns: readonly string[]) =>
    `${path} has no ${columns.join(', ')} column${columns.length === 1 ? '' : 's'} (an older schema): nothing was migrated. Migrate into a new file instead.`,
  migrationTablesCreated: (path: string, tables: readonly string[]) =>
    `${path} had no ${tables.join(', ')} table${tables.length === 1 ? '' : 's'}: created as SQLAlchemy's create_all creates them.`,
  migrationStatementFailed: (path: string, statement: number, detail: string) =>
    `Cannot create ${path}: statement ${statement} failed (SQLite says: ${detail}). Nothing was written.`,
  migrationLineUnfinished: (bytes: number) => `has no newline yet (${bytes} bytes of an unfinished write)`,
  migrationLineNotMigrated: (file: string, line: number, problem: string) =>
    `${file} line ${line} ${problem}: it was not migrated. Migrate again once its writer has finished it.`,
  migrationTextUnpaired: () => 'holds an unpaired UTF-16 surrogate, which SQLite text cannot store',
  migrationAlertRenamed: (file: string, line: number, from: string, to: string) =>
    `${file} line ${line}: alert_id "${from}" is already used by an earlier alert; migrated as "${to}".`,
  migrationOrphanOutcomes: (file: string, count: number, existingTarget: boolean) =>
    existingTarget
      ? `${file} has outcomes for ${count} predictions that neither predictions.jsonl nor the database holds without ground truth: they were not migrated.`
      : `${file} has outcomes for ${count} predictions that predictions.jsonl does not hold: they were not migrated.`,
  migrationMetricsWithoutVersion: (file: string, count: number) =>
    `${file} does not record model versions: its ${count} metric snapshots were written with an empty model_version, as the column allows no NULL.`,
  migrationRuleAmbiguous: (metric: string, component: string, severity: string, rules: readonly string[]) =>
    `Alerts on ${metric} (${component}, ${severity}) fit the rules ${rules.join(', ')} alike: their last_triggered was not set from those alerts.`,
  migrationAlertKeyUnknown: (key: string, alerts: string) => `names the alert "${key}", which ${alerts} does not hold (or which could not be migrated)`,
  migrationFileNotMigrated: (file: string, reason: string) => `${file} was not migrated: ${reason}`,
  migrationReportTitle: (folder: string, target: string, newDatabase: boolean, dryRun: boolean, seconds: string) =>
    dryRun
      ? `Dry run, nothing was written: migrating ${folder} into ${target} (${newDatabase ? 'a new database' : 'the existing database'}) would give:`
      : `Migrated ${folder} into ${target} (${newDatabase ? 'a new database' : 'the existing database'}) in ${seconds} s:`,
  migrationReportRenamed: () => 'Alert ids renamed:',
  migrationReportProblems: () => 'Lines not migrated, and remarks:',
  migrationReportWarnings: () => 'Warnings:',
  migrationReportMore: (count: number) => `… and ${count} more.`,

  // --- tracker and alerting system ---------------------------------------------
  duplicatePrediction: (id: string) => `A prediction with prediction_id "${id}" is already recorded: prediction ids must be unique.`,
  invalidRecord: (what: string, details: string) => `The ${what} is not valid: ${details}`,
  outcomeNotBinary: (value: unknown) => `actual_outcome must be 0 or 1, not ${String(value)}.`,
  duplicateRule: (id: string) => `A rule with rule_id "${id}" already exists: choose another id, or edit that rule.`,
  readOnlySource: (reason: string) => `This source is read-only: ${reason}`,
  windowNotPositive: (name: string, value: number) => `${name} must be a positive number, not ${value}.`,

  // --- rules as code ---------------------------------------------------------------
  rulesCheckRule: (index: number, ruleId: string | null, problem: string) =>
    `rule ${index}${ruleId === null ? '' : ` (${JSON.stringify(ruleId.length > 40 ? `${ruleId.slice(0, 40)}…` : ruleId)})`}: ${problem}`,
  rulesCheckFile: (file: string, problem: string) => `${file}: ${problem}`,
  rulesCheckNonFinite: () =>
    'holds NaN or Infinity, which are not JSON numbers, so Pitwall reads no rule from it (write a finite number or null; the rules are checked below as if it had)',
  rulesCheckByteOrderMark: () =>
    "starts with a byte-order mark: Pitwall reads it, but the Python system's json.load refuses the file (save it as UTF-8 without BOM)",
  rulesCheckDuplicate: (firstIndex: number) => `is already used by rule ${firstIndex}, which is the one loaded; this rule would be skipped`,
  rulesCheckValid: (count: number) => `${count} rule${count === 1 ? '' : 's'} valid`,
  rulesCheckInvalid: (file: string, errors: number, valid: number, total: number) =>
    `${file}: ${errors} problem${errors === 1 ? '' : 's'}; ${valid} of ${total} rule${total === 1 ? '' : 's'} valid.`,
  rulesCheckMore: (count: number) => `… and ${count} more (--json lists them all)`,
  ruleMetricNotComputed: (metric: string, nearest: string | undefined, known: readonly string[]) =>
    `${JSON.stringify(metric)} is not a metric Pitwall computes${nearest === undefined ? '' : `; did you mean \`${nearest}\`?`} (use one of ${known.join(', ')}; drift rules: <feature>_psi, _ks, _wasserstein, _chi_square or _js)`,
  ruleAssignmentInvalid: (pair: string) => `--set needs key=value (conditions.window=6h reaches into conditions), not "${pair}".`,
  ruleEditNeedsChange: () => 'rule edit needs a change: a JSON file of fields, or --set key=value (not both); see `pitwall rule edit --help`.',
  ruleEditRenames: (ruleId: string) => `An edit cannot change the rule_id of "${ruleId}": remove the rule and add it under the new id.`,
  ruleEditName: (ruleId: string) => `rule "${ruleId}" as edited`,
  ruleNewName: (ruleId: string) => (ruleId === '' ? 'the new rule' : `new rule "${ruleId}"`),
  ruleAddNotOneRule: (file: string, got: string) => `${file}: a rule file holds one JSON object (a rule), not ${got}; \`pitwall rules validate\` checks a whole rules file.`,
  ruleAddProblem: (file: string, field: string | null, reason: string, unknown: boolean) =>
    unknown && field !== null
      ? `${file}: unknown field "${field}": it is not a field Pitwall knows (check its spelling)`
      : `${file}: ${field === null ? '' : `${field}: `}${reason}`,
  ruleNotAdded: () => 'The rule was not added: nothing was written.',
  ruleNotChanged: () => 'The rule was not changed: nothing was written.',

  // --- alerting engine -------------------------------------------------------------
  silenceInvalid: (where: string, detail: string) => `${where}: the silence is not valid (${detail}). Fix or remove it; Pitwall does not rewrite a damaged silences file.`,
  alertStateInvalid: (where: string, detail: string) => `${where}: the alert state is not valid (${detail}). Remove the file to start from no firing alerts.`,
  jsonlRulesNonFinite: () => 'holds NaN or Infinity (as Python writes them), which are not JSON: the rules holding them are skipped, and Pitwall does not rewrite the file until they are fixed',
  silenceRefused: (detail: string) => `The silence is not valid: ${detail}.`,
  silenceMatchesNoSegment: (segment: string, labels: readonly string[]) =>
    `--segment "${segment}" matches no segment: alerts name one as feature=value or metadata.key=value, ${labels.length === 0 ? 'and no rule of the source splits its alerts by segment' : `and the rules split them by ${labels.join(', ')}`}.`,
  silenceMatchesNothing: () => 'The silence was not added: it would mute nothing. Check the names, or pass --force to add it anyway (for a rule or version still to come).',
  silenceNotFound: (id: string) => `No silence has the id "${id}": \`pitwall silence list\` shows them.`,
  deliveryLineSkipped: (file: string, line: number, problem: string) =>
    `${file} line ${line}: ${problem}. This delivery record was skipped; Pitwall never rewrites the delivery log.`,
  deliveryRowSkipped: (file: string, table: string, row: number, problem: string) =>
    `${file}, ${table} row ${row}: ${problem}. This delivery record was skipped.`,
  deliveryRecordRefused: (where: string, index: number, count: number, details: string) =>
    `Nothing was written to the delivery log in ${where}: record ${index} of ${count} is not valid: ${details}.`,
  // --- alert context ("why it fired"): Pitwall's own records beside the alerts ------
  alertContextLineSkipped: (file: string, line: number, problem: string) =>
    `${file} line ${line}: ${problem}. This alert context was skipped (it is computed again when asked for); Pitwall never rewrites the file.`,
  alertContextRowSkipped: (file: string, table: string, row: number, problem: string) =>
    `${file}, ${table} row ${row}: ${problem}. This alert context was skipped (it is computed again when asked for).`,
  alertContextRefused: (where: string, index: number, count: number, details: string) =>
    `Nothing was written to the alert contexts in ${where}: record ${index} of ${count} is not valid: ${details}.`,
  alertContextNotJson: () => 'is not JSON text',
  alertContextFailed: (alert: string, detail: string) => `why alert ${alert} fired could not be worked out or recorded: ${detail}`,
  whySegment: (label: string, before: string, after: string, counts: string, z: string, p: string) => `${label}: accuracy ${before} → ${after} (${counts}), z = ${z}, p = ${p}`,
  whyDriftedFeature: (feature: string, statistic: string, value: string, importance: string | null) =>
    `${feature} drifted: ${statistic} ${value}${importance === null ? '' : `, ${importance} of the model's importance`}`,
  whyFeatureNumeric: (feature: string, before: string, after: string, statistic: string, value: string) => `${feature}: mean ${before} → ${after}, ${statistic} ${value}`,
  whyFeatureCategorical: (feature: string, shares: string, statistic: string, value: string) => `${feature}: ${shares}, ${statistic} ${value}`,
  whyFeatureUnmeasured: (feature: string, reason: string) => `${feature}: ${reason}`,
  whyNothingFound: (baseline: number, current: number) =>
    `no segment fell and no feature drifted measurably (${baseline} labelled predictions in the baseline, ${current} in the alert window)`,
  alertIdAmbiguous: (id: string, keys: readonly string[]) => `alert_id "${id}" names ${keys.length} alerts; give one of their keys: ${shortList(keys)}.`,
  deliveryLimitInvalid: (got: string) => `The number of delivery records to read must be a whole number above 0, not ${got}.`,
  deliveryFieldUnknown: () => 'is not a field of a delivery record',
  deliveryFieldBound: (atLeast: boolean, bound: string, got: string) => `must be ${atLeast ? 'at least' : 'at most'} ${bound}, not ${got}`,
  verdictComparisonFails: (metric: string, value: string, comparison: string, threshold: number) =>
    `${metric} is ${value}, not ${COMPARISON_WORDS[comparison] ?? comparison} the threshold ${threshold}: the condition does not hold`,
  verdictOutsideBand: (metric: string, value: string, comparison: string, threshold: number, name: 'min_value' | 'max_value', bound: number) =>
    `${metric} is ${value}, ${COMPARISON_WORDS[comparison] ?? comparison} the threshold ${threshold}, but ${name} ${bound} limits the rule to values ${name === 'min_value' ? 'at or above' : 'at or below'} ${bound}: the condition does not hold`,
  rulesSkipped: (count: number, strict: boolean) =>
    `${count} rule${count === 1 ? ' was' : 's were'} skipped; every other rule was evaluated.${strict ? ' --strict: exit status 2.' : ' (--strict makes this exit with status 2.)'}`,
  dryRunHeader: (at: string, fire: number, resolve: number) =>
    `Dry run at ${at}: ${fire} alert(s) would be created and ${resolve} resolved; nothing was written or delivered.`,
  freshnessNoData: () => 'Data: no predictions yet.',
  freshnessLine: (first: string, newest: string, age: string, staleAfter: string, stale: readonly string[]) =>
    `Data: ${first} to ${newest}, newest prediction ${age} old. ${stale.length === 0 ? `Every version sent a prediction within ${staleAfter}.` : `Silent for more than ${staleAfter}: ${stale.join(', ')}.`}`,
  ruleOptionInvalid: (ruleId: string, field: string, reason: string) => `Rule "${ruleId}": ${field} ${reason}.`,
  ruleDriftUnnamed: (ruleId: string, metric: string) =>
    `Rule "${ruleId}" is a drift rule, but its metric "${metric}" names no feature and statistic: use <feature>_psi (or _ks, _wasserstein, _chi_square, _js), or set conditions.feature and conditions.statistic.`,
  ruleMetricUnknown: (ruleId: string, metric: string, known: readonly string[]) =>
    `Rule "${ruleId}" watches "${metric}", which Pitwall does not compute: use one of ${known.join(', ')}.`,

  // --- health and degradation ---------------------------------------------------
  degradationOptionInvalid: (name: string, got: number, requirement: string) => `The degradation test's ${name} must be ${requirement}, not ${got}.`,
  degradationInsufficient: (baseline: number, current: number, min: number) =>
    `Not enough ground truth to judge degradation: ${baseline} labelled predictions in the baseline and ${current} in the current window, ${min} needed in each.`,
  degradationVerdict: (degraded: boolean, baseline: number, current: number, z: number, p: number, alpha: number) =>
    `Accuracy ${baseline.toFixed(4)} → ${current.toFixed(4)} (z = ${z.toFixed(2)}, one-sided p = ${p.toPrecision(3)}): ${
      degraded ? `a significant drop at α = ${alpha}` : `no significant drop at α = ${alpha}`
    }.`,
  healthReferenceInvalid: (got: string) =>
    `The health reference must be "previous", a duration such as 7d (the span right before the period), or a range T1..T2 that ends after it starts, not "${got}".`,
  healthNoPredictions: (path: string) => `${path} has no predictions yet, so there is no health to compute: record predictions first.`,
  healthScheduleInvalid: (got: string) => `--schedule needs a duration such as 15m, 1h or 1d, not "${got}".`,

  // --- status and freshness ---------------------------------------------------
  duration: (count: number, unit: 'day' | 'hour' | 'minute') => `${count} ${unit}${count === 1 ? '' : 's'}`,
  durationUnderMinute: () => 'under a minute',
  age: (duration: string, ahead: boolean) => (ahead ? `${duration} ahead of the clock` : `${duration} ago`),
  ageNow: () => 'just now',
  dataSpan: (oldest: string, newest: string, age: string) => `Data: ${oldest} … ${newest}, newest prediction ${age}.`,
  dataSpanEmpty: () => 'Data: no predictions yet.',
  statusSourceStale: (age: string) => `The newest prediction is ${age}: is the service still writing to this source?`,
  statusVersionSilent: (version: string, age: string, gap: string) =>
    `${version} is silent: its newest prediction is ${age}, ${gap} before the source's newest.`,
  statusRuleFiring: (ruleId: string, version: string | null, segment: string | null, age: string, unknownRule: boolean) =>
    `Rule ${ruleId}${version === null ? '' : ` on ${version}`}${segment === null ? '' : ` (${segment})`} is firing since ${age}${unknownRule ? ' (the rule is no longer in the source)' : ''}.`,
  statusDegraded: (version: string, current: number, reference: number, p: number) =>
    `${version}: accuracy ${current.toFixed(4)} against ${reference.toFixed(4)} in the reference period, a significant drop (one-sided p = ${p.toPrecision(3)}).`,
  statusOpenAlerts: (count: number, severity: string, models: readonly { model: string | null; count: number }[]) =>
    `${count} open ${severity} alert${count === 1 ? '' : 's'}${
      models.length === 0 ? '' : ` (${models.map((m) => `${m.model ?? 'no model'}: ${m.count}`).join(', ')})`
    }.`,
  statusUnreadable: (count: number) => `${count} problem${count === 1 ? '' : 's'} reading the source: \`pitwall summary\` lists them.`,
  statusNothingWrong: () => 'Nothing wrong: no open alerts, no rule firing, every version fresh and holding up against its reference.',

  // --- analytics -------------------------------------------------------------
  driftOptionInvalid: (option: string, got: string, expected: string) => `The drift option ${option} must be ${expected}, not ${got}.`,
  driftTooFewValues: (feature: string, sample: 'baseline' | 'current', count: number, missing: number, min: number) =>
    count === 0
      ? `Drift of "${feature}" is not measured: the ${sample} sample has no values of it${missing > 0 ? ` (all ${missing} are missing)` : ''}.`
      : `Drift of "${feature}" is not measured: the ${sample} sample has ${count} values of it, fewer than the ${min} needed. Choose a longer period or a lower minimum.`,
  driftNonNumeric: (feature: string, baseline: number, current: number) =>
    `"${feature}" is numeric, but ${baseline} of its baseline values and ${current} of its current values are not numbers: they are counted as missing.`,
  estimateOptionInvalid: (name: string, requirement: string, got: number | string) =>
    `The performance estimate's ${name} must be ${requirement}, not ${typeof got === 'string' ? JSON.stringify(got) : got}.`,
  estimateConfidenceInvalid: (sample: string, index: number, got: number) =>
    `Cannot estimate performance: prediction ${index + 1} of the ${sample} sample has confidence ${got}, not a number between 0 and 1.`,
  estimateReferenceTooSmall: (labelled: number, min: number) =>
    `No performance is estimated: the reference has ${labelled} labelled predictions, fewer than the ${min} needed to check that the model's probabilities are calibrated. Choose a longer reference period, or wait for more ground truth.`,
  estimateReferenceOneClass: (labelled: number, outcome: number) =>
    `No performance is estimated: all ${labelled} labelled predictions of the reference have actual outcome ${outcome}, so their calibration cannot be checked. Choose a reference period with both outcomes.`,
  estimateMiscalibrated: (before: number, after: number | null, max: number, labelled: number) =>
    `No performance is estimated: on the ${labelled} labelled reference predictions the model's probabilities have calibration error ${before.toFixed(3)}${
      after === null ? '' : `, and ${after.toFixed(3)} after isotonic recalibration (on held-out rows)`
    }, above the limit of ${max.toFixed(3)}. A longer reference period measures calibration more precisely.`,
  estimateCalibrated: (before: number, after: number | null, labelled: number) =>
    `Estimated from the model's own probabilities: calibration error ${before.toFixed(3)} (debiased: what remains beyond label noise) on ${labelled} labelled reference predictions${
      after === null ? '' : ` (isotonic recalibration gave ${after.toFixed(3)} on held-out rows, no better)`
    }.`,
  estimateRecalibrated: (after: number, before: number, labelled: number) =>
    `Estimated with isotonic recalibration fitted on ${labelled} labelled reference predictions: calibration error ${after.toFixed(3)} on held-out rows, ${before.toFixed(3)} without it.`,
  durationInvalid: (text: string) =>
    `${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} is not a duration: write a whole number above 0 followed by s, m, h or d (like 90s, 15m, 1h, 7d).`,
  durationNotPositive: (seconds: number) => `A window must last a whole number of seconds above 0, not ${seconds}.`,
  windowSlideTooLong: (slide: number, every: number) =>
    `A window slide of ${slide}s is longer than the window (${every}s), so rows between windows would be skipped: choose a slide no longer than the window.`,
  windowTooManyOverlaps: (every: number, slide: number, max: number) =>
    `A ${every}s window sliding by ${slide}s puts each row in more than ${max} windows: choose a longer slide.`,
  windowRangeInvalid: (from: number, to: number) => `The time range must end after it starts, not run from ${from} to ${to}.`,
  driftFeatureAbsent: (name: string) => `No prediction in the baseline or the current range has a value for the feature "${name}": check the name (names are case-sensitive) or the ranges.`,
  windowGroupUnknown: (by: string) => `Cannot group windows by "${by}": use model_version, feature:<name> or metadata:<key>.`,
  windowFeatureMissing: (name: string) => `Cannot group by feature "${name}": the prediction columns do not include it; read them with that feature.`,
  binsInvalid: (bins: number) => `The number of calibration bins must be a whole number from 1 to 1000, not ${bins}.`,
  windowFeatureAbsent: (kind: 'feature' | 'metadata', name: string) =>
    `No prediction in range has ${kind === 'feature' ? 'a feature' : 'a metadata key'} named "${name}" with a plain value: check the name (names are case-sensitive) or the time range.`,
  windowMetricUnknown: (name: string, known: readonly string[]) => `Unknown window metric "${name}": choose from ${known.join(', ')}.`,
  metricsInsufficient: (labelled: number, minLabels: number) =>
    `insufficient: ${labelled} labelled predictions, fewer than --min-labels ${minLabels}; label metrics are left out (—) rather than guessed.`,
  windowFillTooMany: (rows: number, max: number) =>
    `Listing the empty windows too would give about ${rows} rows, more than ${max}: choose a longer window or a shorter --from/--to range.`,
  minLabelsInvalid: (got: number) => `The minimum number of labels must be a whole number ≥ 0, not ${got}.`,

  // --- cli -------------------------------------------------------------------
  // The command line's mistakes, each in one line: what was wrong, the nearest valid name, the valid ones.
  unknownName: (what: string, given: string, suggestion: string | undefined, known: readonly string[], where?: string) =>
    `unknown ${what} "${given}"${where === undefined ? '' : ` for ${where}`}${
      suggestion === undefined ? (known.length === 0 ? '; there are none.' : `; valid: ${shortList(known)}.`) : `; did you mean \`${suggestion}\`? Valid: ${shortList(known)}.`
    }`,
  dashArgumentHint: (command: string) => `An argument that begins with "-" goes after "--": ${command} -- -name.`,
  optionNeedsValue: (option: string, placeholder: string, command: string) => `${option} needs a value: ${option} ${placeholder} (see \`${command} --help\`).`,
  optionTakesNoValue: (option: string, command: string) => `${option} takes no value: write ${option} alone (see \`${command} --help\`).`,
  optionRequired: (option: string, placeholder: string, command: string) => `${option} is required: ${option} ${placeholder} (see \`${command} --help\`).`,
  optionNotOneOf: (option: string, allowed: readonly string[], given: string, suggestion: string | undefined) =>
    `${option} must be ${allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1] ?? ''}` : (allowed[0] ?? '')}, not "${given}"${
      suggestion === undefined ? '.' : `; did you mean \`${suggestion}\`?`
    }`,
  argumentMissing: (name: string, synopsis: string) => `missing ${name}; usage: ${synopsis}`,
  argumentUnexpected: (given: string, synopsis: string) => `unexpected argument "${given}"; usage: ${synopsis}`,
  csvWithJson: (command: string) => `--csv and --json (or --vega) ask for two forms of the same output: choose one (see \`${command} --help\`).`,
  subcommandMissing: (command: string, subcommands: readonly string[]) => `\`${command}\` needs a subcommand: ${subcommands.join(', ')} (see \`${command} --help\`).`,

  // --- alert delivery ----------------------------------------------------------
  // Reports of one channel's delivery; none may quote a secret's value.
  deliveryNotConfigured: (channel: string, remedy: string) => `${channel} is not configured: ${remedy}.`,
  deliverySetVariables: (variables: string) => `set ${variables}`,
  deliveryConsoleNoOutput: () => 'this program gives it no output to write to',
  deliveryEnvInvalid: (variable: string, requirement: string, got: string) => `${variable} must be ${requirement}, not ${JSON.stringify(got)}`,
  deliveryEnvSecretInvalid: (variable: string, requirement: string) => `${variable} must be ${requirement} (its value is not shown: it is a secret)`,
  deliveryTimedOut: (seconds: number, attempt: number, attempts: number, lastError: string | null) =>
    `timed out after ${seconds} s (attempt ${attempt} of ${attempts})${lastError === null ? '' : `; before that: ${lastError}`}`,
  deliveryRetryAfterTooLong: (lastError: string | null, seconds: number, deadline: number) =>
    `${lastError ?? 'refused'}; it asked to be retried after ${seconds} s, past the ${deadline} s delivery deadline, so no further attempt was made`,
  deliveryLogFailed: (alert: string, detail: string) => `the delivery reports of alert ${alert} could not be written to the delivery log: ${detail}`,
  deliveryCancelled: (lastError: string | null) => `cancelled before it finished${lastError === null ? '' : `; before that: ${lastError}`}`,
  deliveryUnreachable: (endpoint: string, detail: string) => `cannot reach ${endpoint}: ${detail}`,
  deliveryHttpStatus: (endpoint: string, status: number, answer: string) => `${endpoint} answered HTTP ${status}${answer === '' ? '' : `: ${answer}`}`,
  deliverySlackAnswerUnreadable: (endpoint: string, answer: string) =>
    `${endpoint} did not answer as Slack's chat.postMessage does (a JSON object with "ok"), but ${answer === '' ? 'with nothing' : `"${answer}"`}: check PITWALL_SLACK_API_URL`,
  deliverySlackRefused: (error: string) => `Slack's chat.postMessage refused the message: ${error}`,
  deliverySmtpFailed: (server: string, detail: string) => `SMTP server ${server}: ${detail}`,
  deliverySmtpCaUnreadable: (path: string, detail: string) => `cannot read the certificate authorities of PITWALL_SMTP_CA_FILE, ${path}: ${detail}`,
  deliveryFileFailed: (path: string, detail: string) => `cannot append to ${path}: ${detail}`,
  deliveryConsoleFailed: (detail: string) => `cannot write to the console: ${detail}`,

  // --- PQL, the query language (core/query) ------------------------------------------
  pqlBadLiteral: (text: string) => `\`${text}\` is not a number, a duration or a date.`,
  pqlDurationHint: () => 'durations are a whole number and a unit: 90s, 15m, 1h, 7d',
  pqlBadCharacter: (text: string) => `\`${text}\` cannot appear here (outside a string).`,
  pqlBadEscape: (text: string) => `\`${text}\` is not an escape in a string; use \\", \\', \\\\, \\n or \\t.`,
  pqlUnterminatedString: () => 'This string has no closing quote on its line.',
  pqlUnterminatedStringHint: (quote: string) => `end it with ${quote}`,
  pqlUnexpected: (found: string, expected: string) => `Found ${found} where ${expected} was expected.`,
  pqlStagesHint: (stages: readonly string[]) => `stages: ${stages.join(', ')}`,
  pqlUnknownName: (what: string, name: string) => `There is no ${what} \`${name}\`.`,
  pqlDidYouMean: (name: string) => `did you mean \`${name}\`?`,
  pqlKnownNames: (what: string, names: readonly string[]) => `${what}: ${shortList(names)}`,
  pqlWindowOnlyMetric: (metric: string) => `${metric} is a window metric: add \`window …\` before \`metrics\`${metric.endsWith('_mass') ? ', or write ece with strategy=mass' : ''}`,
  pqlTooDeep: (depth: number) => `The expression nests deeper than ${depth} levels.`,
  pqlMissingPipe: (stage: string) => `stages are joined with |: \`| ${stage}\``,
  pqlBadDate: (text: string, reason: string) => `\`${text}\` is not a date: ${reason}`,
  pqlStageNotHere: (stage: string, after: string) => `\`${stage}\` cannot follow ${after}.`,
  pqlStageOnceOnly: (stage: string) => `\`${stage}\` is given twice in this pipeline.`,
  pqlStageNeedsWindow: (stage: string) => `\`${stage}\` needs a \`window\` stage before it.`,
  pqlWhereUnsupported: (source: string, allowed: string) => `This condition cannot be applied to ${source}; ${allowed}`,
  pqlWherePredictionsAllowed: () => 'predictions are filtered by model_version == "…" and timestamp comparisons (>=, >, <, <=, or in a..b), joined with `and`.',
  pqlWhereAlertsAllowed: () => 'alerts are filtered by severity, model_version, rule, acknowledged and timestamp.',
  pqlValueType: (what: string, expected: string) => `${what} must be ${expected}.`,
  pqlParamUnknown: (stage: string, name: string, known: readonly string[]) => `\`${stage}\` takes no parameter \`${name}\`${known.length === 0 ? '' : `; it takes ${known.join(', ')}`}.`,
  pqlLetDuplicate: (name: string) => `\`${name}\` is already given by an earlier let.`,
  pqlLetSelf: (name: string) => `\`${name}\` is used before its let ends.`,
  pqlNoAnalysis: () => 'predictions need an analysis stage (metrics, calibration, drift, health, estimate, compare, alert) or `take N` to list some.',
  pqlEmptyQuery: () => 'The query holds no statement.',
  pqlOnlyLet: () => 'The query only names results with let; add a statement that uses one.',
  pqlAlertWholeMinutes: (text: string) => `\`for ${text}\` must be whole minutes: rules count their pending time in minutes.`,
  pqlChartUnknown: (kinds: readonly string[]) => `chart kinds: ${kinds.join(', ')}`,
  pqlReferenceRange: () => 'a range written FROM..TO of dates, unix seconds or ago(…), ending after it starts',
  pqlDriftCall: (statistics: readonly string[]) => `a test written statistic(feature), statistic one of ${statistics.join(', ')}`,
  pqlDriftStatisticKind: (statistic: string, feature: string, kind: string) => `${statistic} does not apply to ${feature}, which is ${kind}.`,
  pqlRuntime: (message: string) => message,
  notebookMarkerWithoutKind: () => 'A cell marker ">>>" has no kind; the cell is read as PQL (write ">>>pql", ">>>sql" or ">>>markdown").',
  notebookBadOutput: () => 'This saved output is not an object with items of a mime type and text, or it comes before any cell; it is ignored.',
  notebookOutputNotSaved: (capKb: number) => `This output was not saved: a notebook keeps at most ${capKb} KB of outputs. Run the cell to see it.`,
  notebookBadMetadata: () => 'The JSON after this cell marker is not an object; it is ignored (the cell itself is kept).',
  pqlNoChart: (kind: string) => `A ${kind} result has no chart; --vega draws windows, calibration and drift.`,
  pqlLocated: (where: string, message: string) => `${where}: ${message}`,
  pqlCodeTag: (code: string) => `(PQL ${code})`,
  queryNeedsOne: () => 'Give the query as an argument, or --file FILE, or --sql SQL (exactly one of them).',
  queryFileUnreadable: (path: string, detail: string) => `Cannot read the query file ${path}: ${detail}`,
  sqlNeedsStatement: () => 'The SQL holds no statement.',
  sqlFailed: (detail: string) => `SQL: ${detail}`,
  postgresSqlOneStatement: () => 'SQL on PostgreSQL runs one statement at a time: put each statement in its own cell (or its own --sql).',
  ruleQueryInvalid: (ruleId: string, detail: string) => `Rule "${ruleId}": conditions.query ${detail}`,
  ruleQueryNotAlert: () => 'must be one PQL statement on predictions ending in `alert when …` (a let before it may name part of it).',
  pqlSaveNotAlert: () => 'Only a statement with `alert when …` can be saved as an alert rule.',
  pqlSaveOuterLet: (name: string) => `This statement uses \`${name}\`, named in another cell: write its pipeline out in this cell to save it as a rule.`,
  pqlSavedRule: (ruleId: string, metric: string, comparison: string, threshold: number) => `Rule ${ruleId} saved: ${metric} ${comparison} ${threshold}, with its query.`,
  // --- notebook kernel -------------------------------------------------------
  notebookCellCancelled: () => 'The cell was cancelled: its work was stopped.',
  notebookRunnerClosed: (source: string) => `The notebook's connection to ${source} is closed.`,
  notebookWorkerFailed: (source: string, detail: string) => `The notebook's query thread for ${source} failed: ${detail}`,
  notebookCellLanguage: (language: string) => `A ${language} cell cannot run in a Pitwall notebook: change its language to PQL or SQL.`,
  notebookNoSource: () => 'This notebook has no source and none is open: choose one with "Pitwall: Select Notebook Source…" in the notebook toolbar.',
  notebookSourceProblems: (count: number, source: string, first: string) => `${count} record${count === 1 ? '' : 's'} of ${source} could not be read and ${count === 1 ? 'is' : 'are'} not in the tables (first: ${first}).`,
  notebookWorkerStopped: (source: string, code: number) => `The notebook's query thread for ${source} stopped (exit code ${code}).`,

  // --- HTML reports and notebook runs ------------------------------------------
  reportCancelled: () => 'The report was cancelled.',
  reportUnknownVersion: (model: string, versions: readonly string[]) =>
    `No model version "${model}" in this source${versions.length === 0 ? ' (it has no predictions)' : `: it has ${shortList(versions)}`}.`,
  reportRangeEmpty: () => 'The report\'s range is empty: --to must be after --from.',
  reportNoPredictions: () => 'No predictions in this range.',
  reportNoFeatures: () => 'The predictions of this range carry no features to compare.',
  reportNoOpenAlerts: () => 'No open alert: every alert is acknowledged.',
  reportAlertsCut: (shown: number, total: number) => `The ${shown} newest of ${total} open alerts are listed; \`pitwall alerts SOURCE --unacknowledged\` lists them all.`,
  reportSourceProblems: (count: number, first: readonly string[]) =>
    `The source has ${count} problem${count === 1 ? '' : 's'} (records it could not read, left out of every number here): ${first.join(' ')}${count > first.length ? ' …' : ''}`,
  reportWritten: (path: string, bytes: number) => `Wrote ${path} (${bytes.toLocaleString('en-US')} bytes).`,
  reportOutMissing: () => 'Give the file to write with --out FILE (an .html file).',
  notebookUnreadable: (path: string, detail: string) => `Cannot read the notebook ${path}: ${detail}`,
  notebookRunNoSource: (path: string) =>
    `The notebook ${path} names no source in its metadata: give one with --source (a JSONL folder or a SQLite file).`,
  notebookProblem: (path: string, line: number, problem: string) => `${path}:${line}: ${problem}`,
  notebookCellFailed: (cell: number, total: number, firstLine: string) => `Cell ${cell} of ${total} failed (${firstLine}); the cells after it did not run.`,
  notebookCellSkipped: (kind: string) => `A cell of kind "${kind}" is not run (only pql, sql and markdown cells are).`,
  postgresFieldEmpty: (field: string) => `Give the ${field} of the PostgreSQL server.`,
  postgresHostInvalid: (host: string) => `"${host}" is not a host name or address: give a name like db.example.com or an address like 10.0.0.5, or paste a whole postgres:// URL.`,
  postgresTlsModeInvalid: (mode: string, modes: readonly string[]) => `sslmode=${mode} is not one Pitwall knows: use ${modes.join(', ')}.`,
  postgresPasswordRefused: (address: string, user: string) => `PostgreSQL at ${address} refused the password of user "${user}": enter it again.`,
  reportEstimatesOnServer: () =>
    "Label-free estimates (CBPE) are left out of this report: they need every prediction's confidence, which stays on the database server. `pitwall estimate` on a copy of the data (a SQLite file made by `pitwall migrate`) gives them.",
} as const;
