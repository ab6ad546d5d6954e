import { runSuites } from './runSuites';

/** The benchmarks that need the real workbench (`npm run bench -- panelControl`), never part of `npm test`. */
export function run(): Promise<void> {
  return runSuites(__dirname, (file) => file.startsWith('bench'));
}
