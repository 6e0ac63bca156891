/** Builds multipart/form-data bodies for `inject` and `fetch`. */
import { randomBytes } from 'node:crypto';

export type Part = { name: string; value: string } | { name: string; filename: string; contentType: string; data: Buffer };

export function multipart(parts: Part[]): { payload: Buffer; headers: { 'content-type': string } } {
  const boundary = `lexbridge-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const file = 'filename' in p;
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${file ? `; filename="${p.filename}"` : ''}\r\n` +
      (file ? `Content-Type: ${p.contentType}\r\n` : '') +
      '\r\n';
    chunks.push(Buffer.from(head), file ? p.data : Buffer.from(p.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A small but real-looking PDF. */
export function pdf(size = 2_000): Buffer {
  const head = Buffer.from('%PDF-1.7\n% signed retainer\n');
  return Buffer.concat([head, randomBytes(Math.max(0, size - head.length))]);
}
