import { ValidationError } from './errors';

/** Opaque pagination cursors: base64url JSON of a DynamoDB key of string attributes. */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Record<string, string> {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      parsed &&
      typeof parsed === 'object' &&
      !Array.isArray(parsed) &&
      Object.values(parsed).every((v) => typeof v === 'string')
    ) {
      return parsed;
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('The cursor is not valid; use nextCursor from a previous page as it is.');
}
