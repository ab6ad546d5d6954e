/**
 * Python's `format(x, '.Nf')`, for the texts the Python system builds with f-strings (alert
 * messages, recommendations). JavaScript's toFixed rounds exact ties away from zero; Python
 * rounds them to even, so a tie is detected on the double's exact decimal expansion.
 */
export function formatPythonFixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const negative = value < 0 || Object.is(value, -0);
  const magnitude = Math.abs(value);
  let text = magnitude.toFixed(digits);
  // A near-tie differs from the tie within ~17 digits past the rounding position; 30 is ample.
  const extra = Math.min(30, 100 - digits);
  const exact = magnitude.toFixed(digits + extra);
  if (magnitude < 1e21 && /^50*$/.test(exact.slice(exact.length - extra))) {
    const truncated = exact.slice(0, exact.length - extra).replace(/\.$/, '');
    if (Number(truncated[truncated.length - 1]) % 2 === 0) text = truncated;
  }
  return negative ? `-${text}` : text;
}
