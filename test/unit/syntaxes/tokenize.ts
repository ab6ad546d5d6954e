/**
 * Tokenizes text with Pitwall's TextMate grammars in plain Node (vscode-textmate over
 * vscode-oniguruma's WebAssembly), as the editor does: for the grammar corpus test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const root = join(__dirname, '..', '..', '..');
const GRAMMARS: Readonly<Record<string, string>> = {
  'source.pql': join(root, 'syntaxes', 'pql.tmLanguage.json'),
  'markdown.pql.codeblock': join(root, 'syntaxes', 'pql.markdown.tmLanguage.json'),
  // A Markdown host for the injection: paragraphs and other fences only (the real one ships with VS Code, not with npm).
  'text.html.markdown': join(root, 'test', 'unit', 'syntaxes', 'markdownHost.tmLanguage.json'),
};

let registry: Promise<textmate.Registry> | undefined;

function loadRegistry(): Promise<textmate.Registry> {
  registry ??= (async () => {
    const wasm = readFileSync(join(root, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    return new textmate.Registry({
      onigLib: Promise.resolve({ createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns), createOnigString: (text: string) => new oniguruma.OnigString(text) }),
      loadGrammar: (scopeName) => {
        const path = GRAMMARS[scopeName];
        return Promise.resolve(path === undefined ? null : textmate.parseRawGrammar(readFileSync(path, 'utf8'), path));
      },
      // As package.json's `injectTo`: the fence grammar is injected into Markdown.
      getInjections: (scopeName) => (scopeName === 'text.html.markdown' ? ['markdown.pql.codeblock'] : undefined),
    });
  })();
  return registry;
}

export interface ScopedToken {
  readonly text: string;
  /** Every scope of the token, outermost first. */
  readonly scopes: readonly string[];
  readonly line: number;
}

/** The tokens of a text, line by line, with the grammar state carried over lines. */
export async function tokenize(scopeName: string, text: string): Promise<ScopedToken[]> {
  const grammar = await (await loadRegistry()).loadGrammar(scopeName);
  if (grammar === null) throw new Error(`no grammar ${scopeName}`);
  const tokens: ScopedToken[] = [];
  let state = textmate.INITIAL;
  text.split('\n').forEach((line, index) => {
    const result = grammar.tokenizeLine(line, state);
    for (const token of result.tokens) tokens.push({ text: line.slice(token.startIndex, token.endIndex), scopes: token.scopes, line: index });
    state = result.ruleStack;
  });
  return tokens;
}
