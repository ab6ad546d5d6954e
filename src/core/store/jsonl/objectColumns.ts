/**
 * Many small objects of the same few keys (prediction features, prediction metadata) kept as
 * columns: one per key (a Float64Array while the key only ever held numbers, else an array of
 * values), plus each row's key order as an interned "shape". A million rows of three features
 * take about 28 MB instead of an object each, the garbage collector has a million fewer objects
 * to move, and a feature's column is ready for drift analysis.
 */
class Column<V> {
  private numbers: Float64Array | null;
  private values: (V | null)[] | null;

  constructor(first: V, rows: number) {
    if (typeof first === 'number') {
      this.numbers = new Float64Array(Math.max(1024, rows * 2));
      this.values = null;
    } else {
      this.numbers = null;
      this.values = new Array<V | null>(rows).fill(null);
    }
  }

  set(row: number, value: V): void {
    if (this.numbers !== null) {
      if (typeof value === 'number') {
        if (row >= this.numbers.length) {
          const bigger = new Float64Array(Math.max(this.numbers.length * 2, row + 1));
          bigger.set(this.numbers);
          this.numbers = bigger;
        }
        this.numbers[row] = value;
        return;
      }
      this.values = Array.from(this.numbers.subarray(0, row)) as (V | null)[];
      this.numbers = null;
    }
    const values = this.values as (V | null)[];
    while (values.length < row) values.push(null);
    values[row] = value;
  }

  get(row: number): V {
    return (this.numbers !== null ? this.numbers[row] : (this.values as V[])[row]) as V;
  }
}

interface Shape<V> {
  readonly id: number;
  readonly keys: readonly string[];
  readonly columns: readonly Column<V>[];
  readonly has: ReadonlySet<string>;
}

/** The shape id of a row whose object is null. */
const NULL_SHAPE = 0xffffffff;

export class ObjectColumns<V> {
  private readonly columns = new Map<string, Column<V>>();
  private readonly shapes: Shape<V>[] = [];
  private readonly shapeIds = new Map<string, number>();
  private shapeOfRow = new Uint32Array(1024);
  /** The shape of the previous row: almost every row has the same one. */
  private lastShape: Shape<V> | undefined;
  private readonly scratch: string[] = [];

  /** Stores the object of `row`, the next row. */
  add(row: number, object: Readonly<Record<string, V>> | null): void {
    if (row >= this.shapeOfRow.length) {
      const bigger = new Uint32Array(Math.max(this.shapeOfRow.length * 2, row + 1));
      bigger.set(this.shapeOfRow);
      this.shapeOfRow = bigger;
    }
    if (object === null) {
      this.shapeOfRow[row] = NULL_SHAPE;
      return;
    }
    // The keys go to a reused array, overwritten in place: no allocation per row.
    const keys = this.scratch;
    let count = 0;
    for (const key in object) keys[count++] = key;
    const shape = this.shapeFor(keys, count, object, row);
    this.shapeOfRow[row] = shape.id;
    for (let i = 0; i < count; i++) (shape.columns[i] as Column<V>).set(row, object[keys[i] as string] as V);
  }

  /** The object of `row`, keys in their original order, in a null-prototype object. */
  row(row: number): Record<string, V> | null {
    const shape = this.shapes[this.shapeOfRow[row] as number];
    if (shape === undefined) return null;
    const object = Object.create(null) as Record<string, V>;
    for (let i = 0; i < shape.keys.length; i++)
      object[shape.keys[i] as string] = (shape.columns[i] as Column<V>).get(row);
    return object;
  }

  /** One key's values for `rows`; null where a row's object does not have it. */
  column(name: string, rows: readonly number[]): (V | null)[] {
    const column = this.columns.get(name);
    return rows.map((row) =>
      column !== undefined && this.shapes[this.shapeOfRow[row] as number]?.has.has(name) ? column.get(row) : null,
    );
  }

  clear(): void {
    this.columns.clear();
    this.shapes.length = 0;
    this.shapeIds.clear();
    this.shapeOfRow = new Uint32Array(1024);
    this.lastShape = undefined;
  }

  private shapeFor(
    scratch: readonly string[],
    count: number,
    object: Readonly<Record<string, V>>,
    row: number,
  ): Shape<V> {
    const last = this.lastShape;
    if (last !== undefined && sameKeys(last.keys, scratch, count)) return last;
    const keys = scratch.slice(0, count);
    const signature = keys.join('\u0000');
    const known = this.shapeIds.get(signature);
    if (known !== undefined) return (this.lastShape = this.shapes[known] as Shape<V>);
    const columns = keys.map((key) => {
      let column = this.columns.get(key);
      if (column === undefined) {
        column = new Column(object[key] as V, row);
        this.columns.set(key, column);
      }
      return column;
    });
    const shape: Shape<V> = { id: this.shapes.length, keys, columns, has: new Set(keys) };
    this.shapeIds.set(signature, shape.id);
    this.shapes.push(shape);
    return (this.lastShape = shape);
  }
}

function sameKeys(keys: readonly string[], scratch: readonly string[], count: number): boolean {
  if (keys.length !== count) return false;
  for (let i = 0; i < count; i++) if (keys[i] !== scratch[i]) return false;
  return true;
}
