import * as vscode from 'vscode';

/**
 * A tree data provider as its view sees it: of the first-level listings the view has in flight,
 * only the latest hands out rows.
 *
 * VS Code's extension host forgets a view's elements when a first-level listing begins and
 * refuses an id handed out twice before it forgets them again ("Element with id … is already
 * registered"). Two first-level listings in flight at once (the view's own after a change, and
 * one that `reveal` starts when the first level is not known yet; or one asked for as the view
 * became visible and one after a change) would both hand out the same groups. So an older
 * listing waits for the latest to be handed over, lists nothing, and the view is told to list
 * again, so that an empty answer never stays on screen.
 *
 * Callers of the provider itself (commands, the API, tests) list as before: the view's
 * registration is not theirs.
 */
export class LatestListingTreeDataProvider<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<T | T[] | undefined | null | void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly forwarding: vscode.Disposable | undefined;
  /** First-level listings begun, and the number of the latest that has finished. */
  private begun = 0;
  private finished = 0;
  /** The latest first-level listing, which an older one waits for. */
  private latest: Promise<unknown> = Promise.resolve();
  readonly getParent?: (element: T) => vscode.ProviderResult<T>;
  readonly resolveTreeItem?: (item: vscode.TreeItem, element: T, token: vscode.CancellationToken) => vscode.ProviderResult<vscode.TreeItem>;

  constructor(private readonly provider: vscode.TreeDataProvider<T>) {
    this.forwarding = provider.onDidChangeTreeData?.((change) => this.changed.fire(change));
    // Only what the provider offers: VS Code asks a provider with resolveTreeItem to resolve every hovered row.
    if (provider.getParent) this.getParent = (element) => provider.getParent?.(element);
    if (provider.resolveTreeItem) this.resolveTreeItem = (item, element, token) => provider.resolveTreeItem?.(item, element, token);
  }

  getTreeItem(element: T): vscode.TreeItem | Thenable<vscode.TreeItem> {
    return this.provider.getTreeItem(element);
  }

  async getChildren(element?: T): Promise<T[] | null | undefined> {
    if (element !== undefined) return this.provider.getChildren(element);
    const listing = ++this.begun;
    const children = Promise.resolve(this.provider.getChildren());
    this.latest = children.catch(() => undefined);
    let result: T[] | null | undefined;
    let failure: { error: unknown } | undefined;
    try {
      result = await children;
    } catch (error) {
      failure = { error };
    }
    if (listing !== this.begun) {
      // Handed over only after the latest, whose elements a `reveal` waiting on this listing then finds.
      while (this.finished !== this.begun) await this.latest;
      await new Promise((resolve) => setTimeout(resolve, 0));
      this.changed.fire(undefined);
      return [];
    }
    this.finished = listing;
    if (failure) throw failure.error;
    return result;
  }

  dispose(): void {
    this.forwarding?.dispose();
    this.changed.dispose();
  }
}
