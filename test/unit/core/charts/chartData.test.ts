import * as assert from 'node:assert/strict';
import type { WindowMetricsRow } from '../../../../src/core/analytics/windows';
import { formatCsv, toWindowsCsv } from '../../../../src/core/charts/chartData';

describe('chart data as CSV', () => {
  it('writes one record per window and version, ISO UTC bounds, an empty cell where a metric has no value', () => {
    const rows: WindowMetricsRow[] = [
      { window_start: 1746057600, window_end: 1746061200, group: 'v1', count: 40, labelled: 35, label_coverage: 0.875, insufficient: false, partial: false, accuracy: 0.8 },
      { window_start: 1746061200, window_end: 1746064800, group: 'a,"b"', count: 10, labelled: 2, label_coverage: 0.2, insufficient: true, partial: false, accuracy: null },
    ];
    assert.equal(
      toWindowsCsv(rows, ['accuracy']),
      'window_start,window_end,model_version,count,labelled,label_coverage,insufficient,accuracy\r\n' +
        '2025-05-01T00:00:00.000Z,2025-05-01T01:00:00.000Z,v1,40,35,0.875,false,0.8\r\n' +
        '2025-05-01T01:00:00.000Z,2025-05-01T02:00:00.000Z,"a,""b""",10,2,0.2,true,\r\n',
    );
  });

  it('quotes fields with commas, quotes or line breaks (RFC 4180)', () => {
    assert.equal(formatCsv(['a', 'b'], [['x\ny', 'plain']]), 'a,b\r\n"x\ny",plain\r\n');
  });
});
