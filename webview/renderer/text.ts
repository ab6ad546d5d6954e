/** Every sentence the notebook renderer shows (browser code cannot reach core/messages.ts). */
const count = (value: number) => value.toLocaleString('en-US');
const range = (offset: number, shown: number) => (shown === 0 ? 'no rows' : `rows ${count(offset + 1)}–${count(offset + shown)}`);

export const text = {
  noMessaging: (shown: number, total: number) =>
    `This view cannot reach Pitwall (no renderer messaging here), so the other ${count(total - shown)} rows cannot be fetched, sorted or copied: it shows the first ${count(shown)} of ${count(total)}.`,
  expired: (offset: number, shown: number, total: number) =>
    `Pitwall no longer holds this result (the cell ran again, or the window reloaded): run the cell again to page, sort or copy all ${count(total)} rows. Still showing ${range(offset, shown)}.`,
  noAnswer: (offset: number, shown: number, total: number) => `Pitwall did not answer the request for rows in time. Still showing ${range(offset, shown)} of ${count(total)}.`,
  copied: (rows: number) => `Copied ${count(rows)} ${rows === 1 ? 'row' : 'rows'} as CSV.`,
  copyFailed: (reason: string) => `The rows could not be copied: ${reason}`,
  loading: 'Loading rows…',
  noRows: 'No rows.',
  chartFailed: (reason: string) => `The chart could not be drawn: ${reason}`,
  chartUrl: (url: string) => `Pitwall charts load no external data, and this one asks for ${url}.`,
  badOutput: (reason: string) => `This Pitwall output cannot be shown: ${reason}`,
};
