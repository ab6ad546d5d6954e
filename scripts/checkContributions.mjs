#!/usr/bin/env node
// Fails when package.json contributes a command, view or menu entry that the code never implements:
// every contributed command is registered with registerCommand, every view has a provider,
// and every menu entry names a contributed (or built-in workbench) command.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const contributes = pkg.contributes ?? {};

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}
const code = sources('src/extension').map((path) => readFileSync(path, 'utf8')).join('\n');

const registered = new Set([...code.matchAll(/register(?:TextEditor)?Command\(\s*['"]([\w.-]+)['"]/g)].map((m) => m[1]));
const viewProviders = new Set([
  ...[...code.matchAll(/(?:createTreeView|registerTreeDataProvider|registerWebviewViewProvider)\(\s*['"]([\w.-]+)['"]/g)].map((m) => m[1]),
]);
const problems = [];

const commands = (contributes.commands ?? []).map((c) => c.command);
for (const command of commands) {
  if (!registered.has(command)) problems.push(`command ${command} is contributed but never registered`);
}
for (const command of registered) {
  if (command.startsWith('pitwall.') && !commands.includes(command) && !/\.(focus|internal)\b/.test(command)) {
    // Internal commands may exist without a contribution, but they must say so in their id.
    problems.push(`command ${command} is registered but not contributed (name it pitwall.internal.* if it is internal)`);
  }
}
for (const views of Object.values(contributes.views ?? {})) {
  for (const view of views) {
    if (!viewProviders.has(view.id)) {
      problems.push(`view ${view.id} is contributed but has no provider`);
    }
  }
}
const knownViews = new Set(Object.values(contributes.views ?? {}).flat().map((v) => v.id));
for (const welcome of contributes.viewsWelcome ?? []) {
  if (!knownViews.has(welcome.view)) problems.push(`viewsWelcome names unknown view ${welcome.view}`);
  for (const [, command] of welcome.contents.matchAll(/\(command:([\w.-]+)/g)) {
    if (!commands.includes(command) && !command.startsWith('workbench.')) problems.push(`viewsWelcome links unknown command ${command}`);
  }
}
for (const [menu, entries] of Object.entries(contributes.menus ?? {})) {
  for (const entry of entries) {
    if (entry.command && !commands.includes(entry.command)) problems.push(`menu ${menu} names unknown command ${entry.command}`);
    for (const [, view] of (entry.when ?? '').matchAll(/view == ([\w.-]+)/g)) {
      if (!knownViews.has(view)) problems.push(`menu ${menu} entry for ${entry.command} names unknown view ${view}`);
    }
  }
}
for (const container of Object.keys(contributes.views ?? {})) {
  const declared = Object.values(contributes.viewsContainers ?? {}).flat().some((c) => c.id === container);
  if (!declared && !['explorer', 'scm', 'debug', 'test'].includes(container)) problems.push(`views container ${container} is not declared`);
}

if (problems.length > 0) {
  process.stderr.write(`Contribution check failed:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`contributions: ${commands.length} commands, ${knownViews.size} views, ${Object.keys(contributes.menus ?? {}).length} menus, all implemented\n`);
