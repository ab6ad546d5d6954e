import { runSuites } from './runSuites';

export function run(): Promise<void> {
  return runSuites(__dirname, (file) => !file.startsWith('vsix') && !file.startsWith('untrusted') && !file.startsWith('autoOpen') && !file.startsWith('noAutoOpen') && !file.startsWith('reload') && !file.startsWith('bench'));
}
