import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PitwallApi } from '../../src/extension/extension';
import { clickInPanel, eventually } from './harness';

export interface PanelExports {
  readonly png: Buffer;
  readonly svg: string;
  /** The CSV's records, each a line without its CRLF: the header first. */
  readonly csv: readonly string[];
  readonly spec: { readonly $schema?: string } & Record<string, unknown>;
}

/**
 * Presses each export button of the open chart panel (PNG, SVG, CSV, JSON) and reads the file it
 * wrote. The save dialog's answer is set through the extension's API; what is written, and how, is
 * the panel's own export. Checks what every export must be: a PNG signature, an SVG, a CSV with a
 * header, a Vega-Lite spec.
 */
export async function exportFromPanel(api: PitwallApi, name: string): Promise<PanelExports> {
  const folder = mkdtempSync(join(tmpdir(), 'pitwall-export-'));
  try {
    const saved = async (format: string) => {
      const target = join(folder, `${name}.${format}`);
      api.panels.nextExportTarget(vscode.Uri.file(target));
      await clickInPanel(`export-${format}`);
      return eventually(() => (existsSync(target) && statSync(target).size > 0 ? readFileSync(target) : undefined));
    };
    const png = await saved('png');
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
    assert.ok(png.length > 2000, `${png.length} bytes of PNG`);
    const svg = (await saved('svg')).toString('utf8');
    assert.match(svg, /^<svg[\s>]/);
    const text = (await saved('csv')).toString('utf8');
    assert.ok(text.endsWith('\r\n'), 'CRLF line ends (RFC 4180)');
    const csv = text.slice(0, -2).split('\r\n');
    const spec = JSON.parse((await saved('json')).toString('utf8')) as PanelExports['spec'];
    assert.match(spec.$schema ?? '', /vega-lite/);
    return { png, svg, csv, spec };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
