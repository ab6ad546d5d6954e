/**
 * The editor's support for PQL in `pql` notebook cells and `*.pql` files (the selector
 * {language: 'pql'} covers both): problems while typing (debounced, at the error's span, with
 * its code and hint), completion, hover documentation, and a code lens "Save as alert rule" on
 * each statement with `alert when`, which saves it through the store as a rule with its query.
 * Every answer is one kernel function (core/query: check, complete, hover, rule); the open
 * source's names (features, metadata keys, versions, rule ids) are read once per source and
 * kept until it changes, so no keystroke reads the source.
 */
import * as vscode from 'vscode';
import { addRule } from '../../core/alerting/ruleEdits';
import { describeError } from '../../core/errors';
import { ALERT_CHANNELS, type AlertRule } from '../../core/model/alertRule';
import type { Pipeline } from '../../core/query/ast';
import { checkQuery, readSourceSchema } from '../../core/query/check';
import { completeAt, type CompletionItem as PqlCompletionItem, type CompletionKind } from '../../core/query/complete';
import { hoverAt } from '../../core/query/hover';
import type { QueryError } from '../../core/query/lexer';
import { messages } from '../../core/messages';
import { parseQuery } from '../../core/query/parser';
import { planProgram, type SourceSchema } from '../../core/query/plan';
import { alertStatementSpans, ruleFromQuery, type SavedRuleChoices } from '../../core/query/rule';
import type { RulesTreeDataProvider } from '../rulesTreeDataProvider';
import type { OpenSource, SourceManager } from '../sourceManager';

export const PQL_LANGUAGE = 'pql';
const SELECTOR: vscode.DocumentSelector = { language: PQL_LANGUAGE };
/** How long typing must pause before a document is checked again. */
export const CHECK_DELAY_MS = 300;

interface LanguageFeaturesContext {
  readonly sources: SourceManager;
  readonly rules: RulesTreeDataProvider;
  readonly log: vscode.LogOutputChannel;
}

/** The open source's names, read once per source (and again when it changes on disk). */
class SchemaCache implements vscode.Disposable {
  private cached: { readonly source: OpenSource; readonly schema: Promise<SourceSchema> } | null = null;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly sources: SourceManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscription = sources.onDidChange(() => {
      this.cached = null;
      this.changed.fire();
    });
  }

  /** The names of the open source; none (every name accepted) without a source or when they cannot be read. */
  get(): Promise<SourceSchema> {
    const source = this.sources.source;
    if (source === null) return Promise.resolve({});
    if (this.cached?.source !== source) {
      const schema = readSourceSchema(source.store).catch((error: unknown) => {
        this.log.warn(`PQL: the names of ${source.path} could not be read; queries are checked without them: ${describeError(error)}`);
        return {};
      });
      this.cached = { source, schema };
    }
    return this.cached.schema;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** The notebook a cell's document belongs to, and the cells before it. */
function cellsBefore(document: vscode.TextDocument): vscode.TextDocument[] {
  if (document.uri.scheme !== 'vscode-notebook-cell') return [];
  for (const notebook of vscode.workspace.notebookDocuments) {
    const cells = notebook.getCells();
    const index = cells.findIndex((cell) => cell.document === document);
    if (index >= 0) return cells.slice(0, index).map((cell) => cell.document);
  }
  return [];
}

/** Names given by `let` in the notebook's earlier pql cells: a cell may use them. */
function letsBefore(document: vscode.TextDocument): Map<string, Pipeline> {
  const lets = new Map<string, Pipeline>();
  for (const cell of cellsBefore(document)) {
    if (cell.languageId !== PQL_LANGUAGE) continue;
    const parsed = parseQuery(cell.getText());
    // planProgram records each let it plans in `lets`; the earlier cells' own problems are theirs.
    planProgram(parsed.program, 0, {}, lets);
  }
  return lets;
}

function rangeOf(document: vscode.TextDocument, error: QueryError): vscode.Range {
  // A problem at the very end (an unfinished query) underlines the character before it.
  const start = error.span.start === error.span.end && error.span.start > 0 ? error.span.start - 1 : error.span.start;
  return new vscode.Range(document.positionAt(start), document.positionAt(Math.max(error.span.end, start + 1)));
}

function diagnosticOf(document: vscode.TextDocument, error: QueryError): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(rangeOf(document, error), error.hint === undefined ? error.message : `${error.message} (${error.hint})`, vscode.DiagnosticSeverity.Error);
  diagnostic.code = error.code;
  diagnostic.source = 'pql';
  return diagnostic;
}

/** Problems while typing: each pql document is checked CHECK_DELAY_MS after its last change. */
class PqlDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(PQL_LANGUAGE);
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly schemas: SchemaCache) {
    this.disposables = [
      this.collection,
      vscode.workspace.onDidOpenTextDocument((document) => this.schedule(document, 0)),
      vscode.workspace.onDidChangeTextDocument((event) => this.schedule(event.document, CHECK_DELAY_MS)),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document)),
      // New names (another source, a new rule): every open query is checked again.
      schemas.onDidChange(() => this.checkAll()),
    ];
    this.checkAll();
  }

  private checkAll(): void {
    for (const document of vscode.workspace.textDocuments) this.schedule(document, 0);
  }

  private schedule(document: vscode.TextDocument, delay: number): void {
    if (document.languageId !== PQL_LANGUAGE) {
      // A document whose language changed away from pql keeps no stale problems.
      if (this.collection.has(document.uri)) this.collection.delete(document.uri);
      return;
    }
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.check(document);
      }, delay),
    );
  }

  private async check(document: vscode.TextDocument): Promise<void> {
    const version = document.version;
    const schema = await this.schemas.get();
    if (document.isClosed || document.version !== version) return;
    const errors = checkQuery(document.getText(), { now: Date.now() / 1000, schema, lets: letsBefore(document) });
    this.collection.set(
      document.uri,
      errors.map((error) => diagnosticOf(document, error)),
    );
  }

  private forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.collection.delete(document.uri);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const disposable of this.disposables) disposable.dispose();
  }
}

const KINDS: Readonly<Record<CompletionKind, vscode.CompletionItemKind>> = {
  source: vscode.CompletionItemKind.Class,
  stage: vscode.CompletionItemKind.Keyword,
  metric: vscode.CompletionItemKind.Constant,
  function: vscode.CompletionItemKind.Function,
  field: vscode.CompletionItemKind.Field,
  keyword: vscode.CompletionItemKind.Keyword,
  value: vscode.CompletionItemKind.Value,
  duration: vscode.CompletionItemKind.Unit,
  parameter: vscode.CompletionItemKind.Property,
  name: vscode.CompletionItemKind.Variable,
};

function completionItem(item: PqlCompletionItem, range: vscode.Range, order: number): vscode.CompletionItem {
  const completion = new vscode.CompletionItem(item.label, KINDS[item.kind]);
  completion.range = range;
  // The kernel's order (stages in pipeline order, the commonest metrics first) is kept.
  completion.sortText = String(order).padStart(4, '0');
  if (item.detail !== undefined) completion.detail = item.detail;
  if (item.documentation !== undefined) completion.documentation = new vscode.MarkdownString(item.documentation);
  if (item.snippet !== undefined) completion.insertText = new vscode.SnippetString(item.snippet);
  else if (item.insertText !== undefined) completion.insertText = item.insertText;
  return completion;
}

class PqlCodeLenses implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    return alertStatementSpans(document.getText()).map((span) => {
      const at = document.positionAt(span.start);
      return new vscode.CodeLens(new vscode.Range(at, at), { title: 'Save as alert rule', tooltip: 'Save this query as an alert rule of the open source', command: 'pitwall.query.saveAsRule', arguments: [document.uri, span.start] });
    });
  }
}

/** The text document of a uri the code lens names (a file or a notebook cell). */
function documentOf(uri: unknown): vscode.TextDocument | undefined {
  if (uri instanceof vscode.Uri) return vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  return vscode.window.activeTextEditor?.document;
}

/** A free rule id, from the metric and version the query watches. */
function suggestedId(text: string, offset: number, taken: ReadonlySet<string>): string {
  const outcome = ruleFromQuery(text, offset, { rule_id: 'query' }, { now: Date.now() / 1000 });
  const rule = outcome.ok ? outcome.rule : {};
  const versions = (rule.conditions as { model_versions?: string[] } | undefined)?.model_versions;
  const base = [typeof rule.metric_name === 'string' ? rule.metric_name : 'query', versions?.[0]?.replace(/[^A-Za-z0-9]+/g, ''), 'pql'].filter(Boolean).join('_');
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
  return id;
}

async function askChoices(suggested: string, taken: ReadonlySet<string>): Promise<SavedRuleChoices | undefined> {
  const ruleId = await vscode.window.showInputBox({
    title: 'Pitwall: Save Query as Alert Rule (1/2)',
    prompt: 'The rule id (alerts name it)',
    value: suggested,
    validateInput: (value) => (value.trim() === '' ? 'A rule needs an id.' : taken.has(value.trim()) ? `The source already has a rule ${value.trim()}.` : undefined),
  });
  if (ruleId === undefined) return undefined;
  const picked = await vscode.window.showQuickPick(
    ALERT_CHANNELS.map((channel) => ({ label: channel, picked: channel === 'console' })),
    { title: 'Pitwall: Save Query as Alert Rule (2/2)', placeHolder: 'Where its alerts are sent', canPickMany: true },
  );
  if (picked === undefined) return undefined;
  return { rule_id: ruleId.trim(), channels: picked.length === 0 ? ['console'] : picked.map((item) => item.label) };
}

export function registerLanguageFeatures(context: LanguageFeaturesContext): vscode.Disposable[] {
  const schemas = new SchemaCache(context.sources, context.log);
  const diagnostics = new PqlDiagnostics(schemas);

  const saveAsRule = async (uri?: unknown, offset?: unknown, given?: SavedRuleChoices): Promise<AlertRule | undefined> => {
    const document = documentOf(uri);
    if (document === undefined || document.languageId !== PQL_LANGUAGE) {
      void vscode.window.showInformationMessage('Put the cursor in a PQL query with `alert when …` (a .pql file or a pql notebook cell).');
      return undefined;
    }
    const source = context.sources.source;
    if (source === null) {
      void vscode.window.showInformationMessage('Open a monitoring source first: the rule is saved in its alert_rules.json or alert_rules table.');
      return undefined;
    }
    if (source.readOnlyReason) {
      void vscode.window.showWarningMessage(`The rule cannot be saved: the source is read-only (${source.readOnlyReason}).`);
      return undefined;
    }
    // A cell may use the lets of the notebook's earlier pql cells: they come first, each ended, so the rule's query takes those it uses.
    const earlier = cellsBefore(document)
      .filter((cell) => cell.languageId === PQL_LANGUAGE)
      .map((cell) => `${cell.getText()}\n;\n`)
      .join('');
    const text = earlier + document.getText();
    const at = earlier.length + (typeof offset === 'number' ? offset : document.offsetAt(vscode.window.activeTextEditor?.selection.active ?? new vscode.Position(0, 0)));
    try {
      const schema = await schemas.get();
      const check = ruleFromQuery(text, at, { rule_id: 'query' }, { now: Date.now() / 1000, schema });
      if (!check.ok) {
        const [first] = check.errors;
        void vscode.window.showErrorMessage(first === undefined ? messages.pqlSaveNotAlert() : `${first.message}${first.hint === undefined ? '' : ` (${first.hint})`}`);
        return undefined;
      }
      const taken = new Set((await source.store.readRules()).map((rule) => rule.rule_id));
      const choices = given ?? (await askChoices(suggestedId(text, at, taken), taken));
      if (choices === undefined) return undefined;
      const outcome = ruleFromQuery(text, at, choices, { now: Date.now() / 1000, schema });
      if (!outcome.ok) return undefined;
      const added = await addRule(source.store, outcome.rule);
      await context.sources.refresh(true);
      context.rules.refresh();
      context.log.info(`Saved the query as rule ${added.rule_id}: ${outcome.query.replace(/\s+/g, ' ')}`);
      void vscode.window.showInformationMessage(messages.pqlSavedRule(added.rule_id, added.metric_name, added.comparison, added.threshold));
      return added;
    } catch (error) {
      context.log.error(`Saving a query as a rule: ${describeError(error)}`);
      const choice = await vscode.window.showErrorMessage(describeError(error), 'Show Log');
      if (choice) context.log.show();
      return undefined;
    }
  };

  return [
    schemas,
    diagnostics,
    vscode.languages.registerCompletionItemProvider(
      SELECTOR,
      {
        async provideCompletionItems(document, position) {
          const schema = await schemas.get();
          const lets = [...letsBefore(document).keys()];
          const result = completeAt(document.getText(), document.offsetAt(position), { schema, lets });
          const range = new vscode.Range(document.positionAt(result.replace.start), document.positionAt(result.replace.end));
          return result.items.map((item, order) => completionItem(item, range, order));
        },
      },
      ' ',
      '|',
      '.',
      '(',
      '"',
      '=',
    ),
    vscode.languages.registerHoverProvider(SELECTOR, {
      provideHover(document, position) {
        const found = hoverAt(document.getText(), document.offsetAt(position));
        return found === undefined ? undefined : new vscode.Hover(new vscode.MarkdownString(found.markdown), new vscode.Range(document.positionAt(found.span.start), document.positionAt(found.span.end)));
      },
    }),
    vscode.languages.registerCodeLensProvider(SELECTOR, new PqlCodeLenses()),
    vscode.commands.registerCommand('pitwall.query.saveAsRule', saveAsRule),
  ];
}
