/**
 * CSV for spreadsheets (RFC 4180), with OWASP's guard against formula injection in text cells: a text
 * cell starting with = + - @ TAB or CR gets a leading `'`, and every cell holding a separator of either
 * locale (`,` or `;`), a quote or a line break is quoted, so `a;=1+2` cannot split into a formula cell
 * where `;` is the list separator.
 */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",;\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(columns: string[], rows: Array<Record<string, unknown>>): string {
  const lines = [columns.map(cell).join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
