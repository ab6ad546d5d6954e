import { ExtensionHostTreeView } from './treeViewHost';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { AlertsTreeDataProvider, type AlertsNode } from '../../../src/extension/alertsTreeDataProvider';
import { LatestListingTreeDataProvider } from '../../../src/extension/latestListing';
import { RulesTreeDataProvider, type RulesNode } from '../../../src/extension/rulesTreeDataProvider';
import type { SourceManager } from '../../../src/extension/sourceManager';
import { openStore } from '../../../src/core/store/openStore';
import type { Store } from '../../../src/core/store/store';

/** The one open source, as the views see it: opened from real files, replaced, and updated when its counts arrive. */
class Sources {
  source: { path: string; store: Store } | null = null;
  private readonly changed = new vscode.EventEmitter<{ path: string; store: Store } | null>();
  readonly onDidChange = this.changed.event;

  async open(path: string): Promise<void> {
    const previous = this.source;
    this.source = { path, store: await openStore(path) };
    await previous?.store.close();
    this.changed.fire(this.source);
  }

  /** The prediction counts arrived: the same source, described again. */
  countsArrived(): void {
    if (this.source) this.changed.fire({ ...this.source });
  }

  async close(): Promise<void> {
    await this.source?.store.close();
    this.source = null;
  }

  get asManager(): SourceManager {
    return this as unknown as SourceManager;
  }
}

const settled = <T>(promise: Promise<T>) => promise.then(() => null, (error: unknown) => (error instanceof Error ? error.message : String(error)));
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function idsOf<T>(provider: vscode.TreeDataProvider<T>, elements: readonly T[]): Promise<string[]> {
  return Promise.all(elements.map(async (element) => (await provider.getTreeItem(element)).id ?? ''));
}

/** VS Code asks for the first level again after each whole-view change, until the provider is quiet. */
async function relistWhileAsked<T>(host: ExtensionHostTreeView<T>): Promise<void> {
  await wait(250);
  while (host.rootChanges !== host.answeredChanges) {
    await host.listAsWorkbench();
    await wait(250);
  }
}

describe('a view\'s first-level listings in flight at once across a change of source (VS Code never handed one id twice)', function () {
  this.timeout(60_000);
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-view-listings-'));
    await generateDataset({ outDir: root, predictions: 3000, seed: 21 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const paths = () => ({ jsonl: join(root, 'monitoring'), sqlite: join(root, 'monitoring.db') });

  for (const [from, to] of [
    ['jsonl', 'sqlite'],
    ['sqlite', 'jsonl'],
  ] as const) {
    /**
     * The transition as it happens in VS Code: the source is replaced, its prediction counts arrive
     * (the provider re-counts), the view lists its first level, and the newly opened source's most
     * severe group is revealed, which lists the first level again while the view's listing is in flight.
     */
    const transition = async (sources: Sources, provider: AlertsTreeDataProvider, host: ExtensionHostTreeView<AlertsNode>, revealFirst: boolean) => {
      await sources.open(paths()[from]);
      await host.listAsWorkbench();
      await sources.open(paths()[to]);
      sources.countsArrived();
      const [first] = await provider.getChildren();
      assert.ok(first?.kind === 'group');
      host.forget();
      if (revealFirst) {
        // The reveal's own listing of the first level has begun when the view's begins.
        const begun = host.nextFetch();
        const revealed = settled(host.reveal(first));
        await begun;
        const listed = settled(host.listAsWorkbench());
        return { first, outcomes: await Promise.all([listed, revealed]) };
      }
      const listed = settled(host.listAsWorkbench());
      const revealed = settled(host.reveal(first));
      return { first, outcomes: await Promise.all([listed, revealed]) };
    };

    it(`reproduces the defect without the guard: the second listing is refused (${from} → ${to})`, async () => {
      const sources = new Sources();
      const provider = new AlertsTreeDataProvider(sources.asManager);
      const host = new ExtensionHostTreeView<AlertsNode>(provider);
      try {
        const { outcomes } = await transition(sources, provider, host, false);
        assert.ok(
          outcomes.some((outcome) => outcome !== null && /^Element with id group:severity:critical:first is already registered$/.test(outcome)),
          `one listing refused: ${JSON.stringify(outcomes)}`,
        );
      } finally {
        host.dispose();
        provider.dispose();
        await sources.close();
      }
    });

    for (const revealFirst of [false, true]) {
      it(`through the guard the view lists each group once, shows every group and the reveal finds its group (${from} → ${to}, ${revealFirst ? 'reveal' : 'view'} first)`, async () => {
        const sources = new Sources();
        const provider = new AlertsTreeDataProvider(sources.asManager);
        const guarded = new LatestListingTreeDataProvider(provider);
        const host = new ExtensionHostTreeView<AlertsNode>(guarded);
        try {
          const { first, outcomes } = await transition(sources, provider, host, revealFirst);
          assert.deepEqual(outcomes, [null, null], 'neither the listing nor the reveal failed');
          await relistWhileAsked(host);
          const groups = await provider.getChildren();
          assert.deepEqual(host.shown, await idsOf(provider, groups), 'the view shows every group of the new source');
          assert.ok(host.shown.length > 1);
          assert.equal(host.shown[0], (await provider.getTreeItem(first)).id);
          assert.equal(sources.source?.path, paths()[to]);
        } finally {
          host.dispose();
          provider.dispose();
          await sources.close();
        }
      });
    }
  }

  it('of two of the workbench\'s listings in flight, the newer hands out rows and the older answers nothing after it, asking for no listing more', async () => {
    const sources = new Sources();
    await sources.open(paths().sqlite);
    const provider = new AlertsTreeDataProvider(sources.asManager);
    const guarded = new LatestListingTreeDataProvider(provider);
    const host = new ExtensionHostTreeView<AlertsNode>(guarded);
    try {
      await wait(50);
      const before = host.rootChanges;
      let latestDone = false;
      const older = guarded.getChildren();
      const latest = Promise.resolve(guarded.getChildren()).then((nodes) => {
        latestDone = true;
        return nodes;
      });
      const olderNodes = await older;
      assert.ok(latestDone, 'the older listing answers after the latest');
      assert.deepEqual(olderNodes, []);
      assert.ok(((await latest) ?? []).length > 1);
      // One listing alone is never cut short.
      assert.ok(((await guarded.getChildren()) ?? []).length > 1);
      await wait(300);
      assert.equal(host.rootChanges, before, 'no listing more was asked for');
      // Rows below the first level are the provider's own.
      const [group] = (await latest) ?? [];
      assert.ok(group !== undefined);
      assert.deepEqual(await idsOf(provider, (await guarded.getChildren(group)) ?? []), await idsOf(provider, await provider.getChildren(group)));
    } finally {
      host.dispose();
      provider.dispose();
      await sources.close();
    }
  });

  it('a reveal\'s listing gives way to the workbench\'s, whichever began first, and asks for no listing more', async () => {
    const sources = new Sources();
    await sources.open(paths().jsonl);
    const provider = new AlertsTreeDataProvider(sources.asManager);
    const guarded = new LatestListingTreeDataProvider(provider);
    const host = new ExtensionHostTreeView<AlertsNode>(guarded);
    try {
      await host.listAsWorkbench();
      await wait(300);
      const groups = await provider.getChildren();
      const before = host.rootChanges;
      for (const revealFirst of [true, false]) {
        host.forget();
        const outcomes: Promise<string | null>[] = [];
        if (revealFirst) {
          const begun = host.nextFetch();
          outcomes.push(settled(host.reveal(groups[1] as AlertsNode)));
          await begun;
          outcomes.push(settled(host.listAsWorkbench()));
        } else {
          outcomes.push(settled(host.listAsWorkbench()));
          outcomes.push(settled(host.reveal(groups[1] as AlertsNode)));
        }
        assert.deepEqual(await Promise.all(outcomes), [null, null]);
        assert.deepEqual(host.shown, await idsOf(provider, groups), 'the workbench got every group at once');
      }
      await wait(300);
      assert.equal(host.rootChanges, before, 'no listing more was asked for');
    } finally {
      host.dispose();
      provider.dispose();
      await sources.close();
    }
  });

  it('the Rules view: a reveal while the first level is not known, after the source changed, never registers a group twice', async () => {
    const state = new Map<string, unknown>();
    const memento = { get: (key: string) => state.get(key), update: (key: string, value: unknown) => Promise.resolve(void state.set(key, value)), keys: () => [...state.keys()] };
    const log = { error: () => undefined, warn: () => undefined, info: () => undefined };
    for (const guard of [false, true]) {
      const sources = new Sources();
      await sources.open(paths().jsonl);
      const provider = new RulesTreeDataProvider(sources.asManager, memento as unknown as vscode.Memento, log as unknown as vscode.LogOutputChannel);
      const host = new ExtensionHostTreeView<RulesNode>(guard ? new LatestListingTreeDataProvider(provider) : provider);
      try {
        await host.listAsWorkbench();
        await sources.open(paths().sqlite);
        host.forget();
        // The rule's group as the view lists it now (a command revealing a rule reveals its group first), and the listing the change asked for.
        const [group] = (await provider.getChildren()) ?? [];
        assert.ok(group?.kind === 'group');
        const outcomes = await Promise.all([settled(host.listAsWorkbench()), settled(host.reveal(group))]);
        if (!guard) {
          assert.ok(outcomes.some((outcome) => outcome !== null && /^Element with id rules:\S+ is already registered$/.test(outcome)), JSON.stringify(outcomes));
          continue;
        }
        assert.deepEqual(outcomes, [null, null]);
        assert.deepEqual(host.shown, await idsOf(provider, (await provider.getChildren()) ?? []));
        assert.ok(host.shown.includes('silences'));
      } finally {
        host.dispose();
        provider.dispose();
        await sources.close();
      }
    }
  });
});
