import { readFileSync } from 'node:fs';

/** The last non-empty line of a log, for a one-sentence report of why a server stopped. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.at(-1) ?? '').slice(0, 300);
}

/** "its log <file> ends: <last line>" — or just where the log is when it is empty or unreadable. */
export function logHint(file: string): string {
  let last = '';
  try {
    last = lastLine(readFileSync(file, 'utf8'));
  } catch {
    // not written yet
  }
  return last ? `its log ${file} ends: ${last}` : `see its log ${file}`;
}
