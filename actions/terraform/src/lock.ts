/** What Terraform prints about the holder of a state lock ("Lock Info:" block). */
export interface LockInfo {
  id: string;
  path: string;
  operation: string;
  who: string;
  version: string;
  created: string;
  info: string;
  /** The backend's own message (e.g. ConditionalCheckFailedException, PreconditionFailed). */
  errorMessage: string;
}

// ANSI colours and the box Terraform draws around diagnostics ("╷", "│ ", "╵").
const ANSI = new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g');
const BOX_PREFIX = /^[│╷╵]\s?/;

/** Terraform's diagnostic text with colours and the box drawing removed, line by line. */
export function plainDiagnostics(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.replace(ANSI, '').replace(BOX_PREFIX, ''));
}

const FIELDS: Record<string, keyof LockInfo> = {
  ID: 'id',
  Path: 'path',
  Operation: 'operation',
  Who: 'who',
  Version: 'version',
  Created: 'created',
  Info: 'info'
};

/**
 * Parse Terraform's "Error acquiring the state lock" diagnostic. Returns undefined when the
 * text holds no such error. The "Error message:" may wrap over several lines (S3's and
 * DynamoDB's do), up to "Lock Info:".
 */
export function parseLockError(text: string): LockInfo | undefined {
  const lines = plainDiagnostics(text);
  const start = lines.findIndex((l) => /Error acquiring the state lock/.test(l));
  if (start < 0) return undefined;
  const info: LockInfo = {
    id: '',
    path: '',
    operation: '',
    who: '',
    version: '',
    created: '',
    info: '',
    errorMessage: ''
  };
  let inMessage = false;
  const message: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const messageStart = /^\s*Error message:\s*(.*)$/.exec(line);
    if (messageStart) {
      inMessage = true;
      message.push(messageStart[1] ?? '');
      continue;
    }
    if (/^\s*Lock Info:\s*$/.test(line)) {
      inMessage = false;
      continue;
    }
    const field = /^\s+(ID|Path|Operation|Who|Version|Created|Info):\s*(.*)$/.exec(line);
    if (field) {
      info[FIELDS[field[1] as string] as keyof LockInfo] = (field[2] ?? '').trim();
      continue;
    }
    if (inMessage && line.trim() !== '') message.push(line.trim());
    else inMessage = false;
  }
  info.errorMessage = message.join(' ').trim();
  return info;
}

/** Whether Terraform refused a saved plan because the state changed after it was made. */
export function isStalePlanError(text: string): boolean {
  return plainDiagnostics(text).some((l) => /Saved plan is stale/.test(l));
}
