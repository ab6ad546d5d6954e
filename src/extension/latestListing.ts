import * as vscode from 'vscode';

/** One first-level listing through the guard: for the workbench to show, or for a `reveal` to find its element in. */
interface Listing {
  readonly forReveal: boolean;
  /** When it began, on the guard's clock. */
  readonly began: number;
  /** Settles once it has answered (rows or nothing). */
  readonly answered: Promise<void>;
}

/**
 * A tree data provider as its view sees it: of the first-level listings in flight at once, one
 * hands out rows.
 *
 * VS Code's extension host forgets a view's elements when a first-level listing begins and
 * refuses an id handed out twice before it forgets them again ("Element with id … is already
 * registered"). Two first-level listings in flight at once would both hand out the same groups:
 * the workbench's (after a change, or as the view became visible) and one that `reveal` starts
 * for an element it does not know while the first level is not known. So:
 * - a listing for a `reveal` gives way to the workbench's (whose rows the reveal then finds), and
 *   to a newer one for a reveal;
 * - of two of the workbench's, the newer hands out rows; the older answers nothing after it, and
 *   the view is told to list again, so that an empty answer never stays on screen.
 * A listing is for a reveal when VS Code asked, in the same turn, for the parent of an element
 * of the first level: it asks a provider for parents only to reveal.
 *
 * Callers of the provider itself (commands, the API, tests) list as before: the view's
 * registration is not theirs.
 */
export class LatestListingTreeDataProvider<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<T | T[] | undefined | null | void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly forwarding: vscode.Disposable | undefined;
  private clock = 0;
  /** When a listing last handed out rows, on the same clock. */
  private handedOut = 0;
  private readonly inFlight = new Set<Listing>();
  /** Reveals of first-level elements asked for in this turn, whose listing of the first level follows. */
  private revealsThisTurn = 0;
  readonly getParent?: (element: T) => vscode.ProviderResult<T>;
  readonly resolveTreeItem?: (item: vscode.TreeItem, element: T, token: vscode.CancellationToken) => vscode.ProviderResult<vscode.TreeItem>;

  constructor(private readonly provider: vscode.TreeDataProvider<T>) {
    this.forwarding = provider.onDidChangeTreeData?.((change) => this.changed.fire(change));
    const getParent = provider.getParent?.bind(provider);
    if (getParent) {
      this.getParent = (element) => {
        const parent = getParent(element);
        void Promise.resolve(parent).then((resolved) => {
          if (resolved === undefined || resolved === null) this.noteReveal();
        });
        return parent;
      };
    }
    // Only what the provider offers: VS Code asks a provider with resolveTreeItem to resolve every hovered row.
    if (provider.resolveTreeItem) this.resolveTreeItem = (item, element, token) => provider.resolveTreeItem?.(item, element, token);
  }

  private noteReveal(): void {
    if (this.revealsThisTurn++ === 0) setTimeout(() => (this.revealsThisTurn = 0), 0);
  }

  getTreeItem(element: T): vscode.TreeItem | Thenable<vscode.TreeItem> {
    return this.provider.getTreeItem(element);
  }

  async getChildren(element?: T): Promise<T[] | null | undefined> {
    if (element !== undefined) return this.provider.getChildren(element);
    const forReveal = this.revealsThisTurn > 0;
    if (forReveal) this.revealsThisTurn--;
    let answer!: () => void;
    const listing: Listing = { forReveal, began: ++this.clock, answered: new Promise((resolve) => (answer = resolve)) };
    this.inFlight.add(listing);
    try {
      let result: T[] | null | undefined;
      let failure: { error: unknown } | undefined;
      try {
        result = await this.provider.getChildren();
      } catch (error) {
        failure = { error };
      }
      for (;;) {
        if (this.handedOut > listing.began) return await this.giveWay(listing);
        const before = [...this.inFlight].find((other) => other !== listing && this.precedes(other, listing));
        if (before === undefined) break;
        await before.answered;
      }
      this.handedOut = ++this.clock;
      if (failure) throw failure.error;
      return result;
    } finally {
      this.inFlight.delete(listing);
      answer();
    }
  }

  /** Whether `other` hands out rows rather than `listing`: the workbench's before a reveal's, then the newer. */
  private precedes(other: Listing, listing: Listing): boolean {
    if (other.forReveal !== listing.forReveal) return !other.forReveal;
    return other.began > listing.began;
  }

  /** Answers nothing once the rows handed out meanwhile are registered (a reveal waiting on this listing looks its element up among them). */
  private async giveWay(listing: Listing): Promise<T[]> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    // Told after this answer is taken: VS Code acts on the first change at once, forgetting what it registered.
    if (!listing.forReveal) setTimeout(() => this.changed.fire(undefined), 0);
    return [];
  }

  dispose(): void {
    this.forwarding?.dispose();
    this.changed.dispose();
  }
}
