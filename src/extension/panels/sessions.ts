import * as vscode from 'vscode';
import { AnalysisSession } from '../../core/analytics/session';
import type { Store } from '../../core/store/store';
import type { OpenSource, SourceManager } from '../sourceManager';

/** The analysis session of the open source's store: its columns are read once and re-windowed on each question. */
export class Sessions implements vscode.Disposable {
  private held: { store: Store; session: AnalysisSession } | undefined;
  private readonly subscription: vscode.Disposable;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly sources: SourceManager) {
    this.subscription = sources.onDidChange((source) => {
      // The same store changed on disk (or was described again): the next question reads it again.
      if (source !== null && this.held?.store === source.store) this.held.session.invalidate();
      else this.held = undefined;
      this.changed.fire();
    });
  }

  of(source: OpenSource): AnalysisSession {
    if (this.held?.store !== source.store) this.held = { store: source.store, session: new AnalysisSession(source.store) };
    return this.held.session;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
