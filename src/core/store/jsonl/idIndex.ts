/**
 * prediction_id → row: an open-addressing hash table over the table's own id column, each slot
 * holding a row and its id's hash side by side (one cache line per probe, and growing never
 * touches the strings). A fraction of the memory of a Map of a million strings, and faster to fill.
 */
const EMPTY = -1;

export class IdIndex {
  /** Pairs of (row, hash); row EMPTY for a free slot. */
  private slots = emptySlots(1024);
  private used = 0;

  constructor(private readonly idOf: (row: number) => string) {}

  /** The row holding `id`, or -1. */
  find(id: string): number {
    return this.slots[this.slotOf(id, hash(id))] as number;
  }

  /** Adds `row` under `id` unless the id is taken; returns the row that holds the id. */
  insert(id: string, row: number): number {
    if ((this.used + 1) * 4 > this.slots.length) this.grow();
    const h = hash(id);
    const slot = this.slotOf(id, h);
    const existing = this.slots[slot] as number;
    if (existing !== EMPTY) return existing;
    this.slots[slot] = row;
    this.slots[slot + 1] = h;
    this.used++;
    return row;
  }

  /** Makes room for `count` ids in all, so filling the index never grows it step by step. */
  reserve(count: number): void {
    while (count * 4 > this.slots.length) this.grow();
  }

  clear(): void {
    this.slots = emptySlots(1024);
    this.used = 0;
  }

  /** The index in `slots` of the pair that holds `id`, or of the free pair where it belongs. */
  private slotOf(id: string, h: number): number {
    const mask = this.slots.length - 2;
    let slot = (h << 1) & mask;
    for (;;) {
      const row = this.slots[slot] as number;
      if (row === EMPTY || (this.slots[slot + 1] === h && this.idOf(row) === id)) return slot;
      slot = (slot + 2) & mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = emptySlots(old.length);
    const mask = this.slots.length - 2;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] === EMPTY) continue;
      const h = old[i + 1] as number;
      let slot = (h << 1) & mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 2) & mask;
      this.slots[slot] = old[i] as number;
      this.slots[slot + 1] = h;
    }
  }
}

/** Room for `pairs` (a power of two) pairs, all free. */
function emptySlots(pairs: number): Int32Array {
  return new Int32Array(pairs * 2).fill(EMPTY);
}

/** FNV-1a over UTF-16 code units, as a signed 32-bit integer. */
function hash(text: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}
