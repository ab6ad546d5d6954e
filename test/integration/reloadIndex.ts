import { runSuites } from './runSuites';

export function run(): Promise<void> {
  return runSuites(__dirname, (file) => file.startsWith('reload'));
}
