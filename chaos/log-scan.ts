/**
 * Finds secrets and client personal data in log output: the Lexamica keys, the API tokens, and the
 * names, emails and phone numbers of the clients the sandbox invented. Reports where and what kind,
 * never the value (a report that printed it would leak it again).
 */

/** A client's personal data, as the sandbox generated it. */
export interface ClientIdentity {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
}

/** One leak found. */
export interface Leak {
  /** `<file>:<line>`. */
  where: string;
  kind: 'secret' | 'email' | 'phone' | 'name';
}

/** What to look for. */
export interface LeakNeedles {
  /** Exact strings that must never appear (keys, tokens, webhook secret). */
  secrets: readonly string[];
  clients: readonly ClientIdentity[];
}

export interface LeakScanner {
  /** Scans one file's text (line by line); `source` names it in the results. */
  scan(text: string, source: string): Leak[];
}

// Starts only where a run of local-part characters starts (linear; see the redactor's pattern).
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Phone numbers written with or without separators: 10 to 15 digits, optionally after "+".
const PHONE = /\+?\d(?:[\s().-]?\d){9,14}/g;
// A JSON string value: names leak as `"first_name":"Maria"`, the name alone between quotes.
const QUOTED = /"((?:[^"\\]|\\.){1,80})"/g;
const WORD = /\p{L}[\p{L}'-]*/gu;

const digits = (s: string) => s.replace(/\D/g, '');

export function createLeakScanner(needles: LeakNeedles): LeakScanner {
  const secrets = needles.secrets.filter((s) => s.length >= 8);
  const emails = new Set(needles.clients.map((c) => c.email.toLowerCase()));
  const phones = new Set<string>();
  for (const c of needles.clients) {
    const d = digits(c.phone);
    phones.add(d);
    // The same number without its country code 1.
    if (d.length === 11 && d.startsWith('1')) phones.add(d.slice(1));
  }
  // Names alone are common words ("Grace", "Will"), so a lone name counts only as a quoted JSON
  // value; a first name followed by that client's last name counts anywhere.
  const names = new Set(needles.clients.flatMap((c) => [c.firstName, c.lastName]));
  const fullNames = new Set(needles.clients.map((c) => `${c.firstName} ${c.lastName}`.toLowerCase()));

  const scanLine = (line: string, where: string, out: Leak[]) => {
    if (secrets.some((s) => line.includes(s))) out.push({ where, kind: 'secret' });
    for (const m of line.matchAll(EMAIL)) {
      if (emails.has(m[0].toLowerCase())) {
        out.push({ where, kind: 'email' });
        break;
      }
    }
    for (const m of line.matchAll(PHONE)) {
      if (phones.has(digits(m[0]))) {
        out.push({ where, kind: 'phone' });
        break;
      }
    }
    let named = false;
    for (const m of line.matchAll(QUOTED)) {
      if (names.has(m[1]!)) {
        named = true;
        break;
      }
    }
    if (!named) {
      const words = [...line.matchAll(WORD)];
      for (let i = 0; i + 1 < words.length && !named; i++) {
        const [a, b] = [words[i]!, words[i + 1]!];
        // Only words apart by spaces make a name ("Grace Okafor"), not "grace.okafor" in an email.
        const apart = line.slice(a.index + a[0].length, b.index);
        named = /^\s+$/.test(apart) && fullNames.has(`${a[0]} ${b[0]}`.toLowerCase());
      }
    }
    if (named) out.push({ where, kind: 'name' });
  };

  return {
    scan(text, source) {
      const out: Leak[] = [];
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) scanLine(lines[i]!, `${source}:${i + 1}`, out);
      return out;
    },
  };
}
