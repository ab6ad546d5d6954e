/**
 * The commands the launcher (launcher.ts) runs from the brief bundle (briefMain.ts), by name: the
 * launcher must know them before it loads any bundle. briefMain.ts holds exactly these.
 */
export const BRIEF_BUNDLE_NAMES: readonly string[] = ['summary', 'alerts', 'ack', 'unack'];
