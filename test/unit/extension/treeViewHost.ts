/**
 * The views' providers in plain Node: the few `vscode` classes they construct (so that `import
 * 'vscode'` resolves here), and a model of how VS Code's extension host registers what a tree
 * view's provider hands out. The model follows extHostTreeViews.ts of VS Code 1.100 (the
 * version the integration tests run): a first-level fetch forgets every registered element when
 * it begins, registers each returned item under its id, and refuses an id already registered
 * ("Element with id … is already registered"); `reveal` of an element not registered yet asks for
 * its parent, fetches the first level when it is not known, then looks the element's id up.
 */
import Module from 'node:module';
import type * as vscode from 'vscode';

type Listener<T> = (event: T) => unknown;

class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>): { dispose(): void } => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(event: T): void {
    for (const listener of [...this.listeners]) listener(event);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

class Disposable {
  constructor(private readonly callOnDispose: () => void) {}
  static from(...disposables: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => disposables.forEach((d) => d.dispose()));
  }
  dispose(): void {
    this.callOnDispose();
  }
}

class TreeItem {
  id?: string;
  description?: string;
  constructor(
    readonly label: string,
    readonly collapsibleState?: number,
  ) {}
}

class MarkdownString {
  value = '';
  appendMarkdown(text: string): this {
    this.value += text;
    return this;
  }
  appendText(text: string): this {
    this.value += text.replace(/[\\`*_{}[\]()#+\-.!$]/g, '\\$&');
    return this;
  }
}

class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: unknown,
  ) {}
}

class ThemeColor {
  constructor(readonly id: string) {}
}

const api = {
  EventEmitter,
  Disposable,
  TreeItem,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  MarkdownString,
  ThemeIcon,
  ThemeColor,
  Uri: { from: (parts: Record<string, string>) => ({ ...parts, toString: () => `${parts.scheme}:${parts.path}?${parts.query}` }) },
  window: { registerFileDecorationProvider: () => new Disposable(() => undefined) },
  commands: { executeCommand: () => Promise.resolve(undefined) },
};

const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string; _cache: Record<string, unknown> };
const resolve = loader._resolveFilename;
loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
loader._cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: api };

/** What one first-level fetch did: the ids it registered, or how it was refused. */
export interface RootFetch<T> {
  readonly elements: readonly T[];
  readonly ids: readonly string[];
}

/** VS Code's extension-host side of one tree view, reduced to how it registers elements. */
export class ExtensionHostTreeView<T> {
  /** Element by handle (`1/<id>`), and handle by element: what the extension host knows. */
  private readonly elements = new Map<string, T>();
  private readonly handles = new Map<T, string>();
  private roots: T[] | undefined;
  /** The first level as the workbench shows it: the last fetch the workbench asked for and got. */
  shown: string[] = [];
  /** Whole-view changes the provider fired (each makes VS Code fetch the first level again). */
  rootChanges = 0;
  /** The changes fired before the workbench's last first-level listing began: those it answered. */
  answeredChanges = 0;
  private readonly subscription: { dispose(): void } | undefined;

  constructor(private readonly provider: vscode.TreeDataProvider<T>) {
    this.subscription = provider.onDidChangeTreeData?.((change) => {
      if (change === undefined || change === null) this.rootChanges++;
    });
  }

  private async handleOf(element: T): Promise<string> {
    const item = await this.provider.getTreeItem(element);
    if (item.id === undefined) throw new Error('every row of these views has an id');
    return `1/${item.id}`;
  }

  private begun: (() => void)[] = [];

  /** Resolves once the next first-level fetch has asked the provider. */
  nextFetch(): Promise<void> {
    return new Promise((resolve) => this.begun.push(resolve));
  }

  /** Fetches begun before the last whole-view refresh are cancelled: they register nothing and their answer is dropped. */
  private refreshes = 0;

  private clear(): void {
    this.elements.clear();
    this.handles.clear();
    this.roots = undefined;
  }

  /** A whole-view refresh reaching the extension host (`_refresh` with the root): it cancels the fetches in flight and forgets every element; the workbench's listing follows. */
  forget(): void {
    this.refreshes++;
    this.clear();
  }

  /** A first-level fetch (`_fetchChildrenNodes` for the root): forgets everything, then registers what the provider returns; undefined when cancelled. */
  async fetchRoot(): Promise<RootFetch<T> | undefined> {
    this.clear();
    const refreshes = this.refreshes;
    const asked = Promise.resolve(this.provider.getChildren());
    this.begun.forEach((resolve) => resolve());
    this.begun = [];
    const elements = (await asked) ?? [];
    const handles = await Promise.all(elements.map((element) => this.handleOf(element)));
    if (refreshes !== this.refreshes) return undefined;
    elements.forEach((element, index) => {
      const handle = handles[index] as string;
      if (this.elements.has(handle)) throw new Error(`Element with id ${handle.slice(2)} is already registered`);
      this.elements.set(handle, element);
      this.handles.set(element, handle);
      (this.roots ??= []).push(element);
    });
    return { elements, ids: handles.map((handle) => handle.slice(2)) };
  }

  /** The workbench asks for the first level and shows what it gets. */
  async listAsWorkbench(): Promise<RootFetch<T> | undefined> {
    this.answeredChanges = this.rootChanges;
    const fetched = await this.fetchRoot();
    if (fetched !== undefined) this.shown = [...fetched.ids];
    return fetched;
  }

  /** `TreeView.reveal` of a first-level element (`_resolveTreeNode`). */
  async reveal(element: T): Promise<void> {
    if (this.handles.has(element)) return;
    // An element it does not know: it asks for the parent chain (none for the first level) first.
    await this.provider.getParent?.(element);
    const handle = await this.handleOf(element);
    if (this.roots === undefined) await this.fetchRoot();
    if (!this.elements.has(handle)) throw new Error(`Cannot resolve tree item for element ${handle}`);
  }

  dispose(): void {
    this.subscription?.dispose();
  }
}
