/** Printing for the CLI: JSON for machines, aligned text for people. */

export interface Output {
  readonly json: boolean;
  write(text: string): void;
  error(text: string): void;
}

export const stdio: Output = {
  json: false,
  write: (text) => process.stdout.write(text),
  error: (text) => process.stderr.write(text),
};

export function printJson(out: Output, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Columns padded to their widest cell; the last column is left ragged. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function formatTime(seconds: number | null): string {
  if (seconds === null) return '';
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
