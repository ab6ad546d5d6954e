import type * as vscode from 'vscode';

/** One first-level listing through the guard: for the workbench to show, or for a `reveal` to find its element in. */
interface Listing {
  readonly forReveal: boolean;
  /** When it began, on the guard's clock. */
  readonly began: number;
  /**
   * For a reveal, begun in the turn in which another listing handed out rows, before VS Code
   * registered them (after, the reveal would have found the first level known and listed nothing).
   * The workbench's listings begin on a message of their own, in a later turn.
   */
  readonly beganInHandOver: boolean;
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
 * for an element it does not know while the first level is not known (a reveal on opening a
 * source, of a rule, from a test). So a listing for a `reveal` gives way to the workbench's,
 * whose rows the reveal then finds; of two for reveals, or two of the workbench's, the newer
 * hands out rows. One that gives way answers nothing, after the rows handed out are registered.
 * The workbench's own listings overlap when a refresh cancels the older, whose answer VS Code
 * drops: the view is not asked to list again (that would cancel the next listing in flight and
 * lose the tree's expansion for nothing).
 * A listing is for a reveal when VS Code asked, in the same turn, for the parent of an element
 * of the first level: it asks a provider for parents only to reveal.
 *
 * Callers of the provider itself (commands, the API, tests) list as before: the view's
 * registration is not theirs.
 */
export class LatestListingTreeDataProvider<T> implements vscode.TreeDataProvider<T> {
  readonly onDidChangeTreeData?: vscode.Event<T | T[] | undefined | null | void>;
  private clock = 0;
  /** When a listing last handed out rows, on the same clock. */
  private handedOut = 0;
  /** Set for the rest of the turn in which rows were handed out: VS Code registers them in that turn. */
  private handOver: object | null = null;
  private readonly inFlight = new Set<Listing>();
  /** Reveals of first-level elements asked for in this turn, whose listing of the first level follows. */
  private revealsThisTurn = 0;
  readonly getParent?: (element: T) => vscode.ProviderResult<T>;
  readonly resolveTreeItem?: (item: vscode.TreeItem, element: T, token: vscode.CancellationToken) => vscode.ProviderResult<vscode.TreeItem>;

  constructor(private readonly provider: vscode.TreeDataProvider<T>) {
    if (provider.onDidChangeTreeData) this.onDidChangeTreeData = provider.onDidChangeTreeData;
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
    const listing: Listing = { forReveal, began: ++this.clock, beganInHandOver: forReveal && this.handOver !== null, answered: new Promise((resolve) => (answer = resolve)) };
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
        // Rows handed out while this listing was in flight: VS Code registered them after this listing began.
        if (this.handedOut > listing.began || listing.beganInHandOver) return await this.giveWay();
        const before = [...this.inFlight].find((other) => other !== listing && this.precedes(other, listing));
        if (before === undefined) break;
        await before.answered;
      }
      this.handedOut = ++this.clock;
      const handOver = {};
      this.handOver = handOver;
      setTimeout(() => {
        if (this.handOver === handOver) this.handOver = null;
      }, 0);
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
  private async giveWay(): Promise<T[]> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    return [];
  }
}
