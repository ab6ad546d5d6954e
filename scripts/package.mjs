#!/usr/bin/env node
// Builds a production bundle and packs it into a .vsix with @vscode/vsce; prints the size.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const outIndex = process.argv.indexOf('--out');
const { name, version } = require(join(root, 'package.json'));
const out = outIndex > 0 ? resolve(process.argv[outIndex + 1]) : join(root, `${name}-${version}.vsix`);

execFileSync(process.execPath, [join(root, 'esbuild.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
mkdirSync(dirname(out), { recursive: true });
const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
// Dependencies are bundled by esbuild, so the package carries no node_modules.
execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--skip-license', '--no-rewrite-relative-links', '--out', out], { cwd: root, stdio: 'inherit' });
const bytes = statSync(out).size;
process.stdout.write(`packaged ${out}: ${(bytes / 1024 / 1024).toFixed(2)} MiB (${bytes} bytes)\n`);
