import type { StoreDiagnostic } from '../store';

/** The problems of one file, kept up to a cap so a file of bad lines cannot fill memory; the rest are counted. */
export class DiagnosticLog {
  private items: StoreDiagnostic[] = [];
  private dropped = 0;

  constructor(private readonly cap: number) {}

  get all(): readonly StoreDiagnostic[] {
    return this.items;
  }

  /** Problems found beyond the cap. */
  get overflow(): number {
    return this.dropped;
  }

  /** Keeps the diagnostic; false when it was only counted. */
  add(diagnostic: StoreDiagnostic): boolean {
    if (this.items.length >= this.cap) {
      this.dropped++;
      return false;
    }
    this.items.push(diagnostic);
    return true;
  }

  /** Takes these problems (and this count of dropped ones) in place of its own: those of an index of the same bytes. */
  restore(items: readonly StoreDiagnostic[], dropped: number): void {
    this.items = items.slice(0, this.cap);
    this.dropped = dropped;
  }

  clear(): void {
    this.items = [];
    this.dropped = 0;
  }
}
