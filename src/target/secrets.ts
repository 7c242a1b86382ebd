/**
 * What looks secret, and how it is masked. Runs in the target (sent as source text with
 * the snippets that read the environment and the command line, so that nothing secret
 * crosses the wire) and in the CLI (for `probing list`, which reads /proc here).
 * Self-contained.
 *
 * - a variable whose name, or one of its parts (split at _ - . and camelCase), names a
 *   secret: TOKEN, SECRET, PASSWORD, PASS, PWD, KEY, AUTH, CREDENTIAL, PAT, SK, WEBHOOK,
 *   SALT, PEM, CERT, PRIVATE, COOKIE, SESSION, DSN… — its whole value;
 * - in any value, whatever its name: the password of a URL (`scheme://user:pw@host`),
 *   and what follows `Bearer`, `Basic`, `Token` and similar authorization prefixes;
 * - in a command line: the value of `--password=x`, `--password x`, `--token x`,
 *   `--secret`, `--api-key`, `--pass`… and URL passwords. (`-p` is left alone: in a
 *   Node.js program's arguments it is usually a port.)
 */
export function secretMasker(): { name(name: string): boolean; value(value: string): string; argv(argv: readonly string[]): string[] } {
  const MASK = '********';
  const PARTS = new Set([
    'TOKEN', 'TOKENS', 'SECRET', 'SECRETS', 'PASSWORD', 'PASSWORDS', 'PASSWD', 'PASS', 'PASSPHRASE', 'PWD', 'PW', 'KEY', 'KEYS', 'APIKEY', 'AUTH',
    'AUTHORIZATION', 'CREDENTIAL', 'CREDENTIALS', 'CREDS', 'PAT', 'SK', 'WEBHOOK', 'SALT', 'PEM', 'CERT', 'CERTIFICATE', 'PRIVATE', 'COOKIE', 'COOKIES',
    'SESSION', 'DSN', 'SIGNATURE', 'SIGNING', 'HMAC', 'JWT', 'OTP', 'PIN', 'BEARER', 'CONNECTIONSTRING',
  ]);
  const WHOLE = /TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|PRIVATE|COOKIE|APIKEY|API_KEY|ACCESS_KEY|CONNECTION_STRING|DATABASE_URL/i;
  // PWD is the shell's working directory, not a password: only as a part of a longer name
  const NOT_SECRET = new Set(['PWD', 'OLDPWD', 'KEYBOARD', 'XAUTHORITY']);
  const name = (n: string): boolean => {
    if (NOT_SECRET.has(n.toUpperCase())) return false;
    if (WHOLE.test(n)) return true;
    const parts = n
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toUpperCase()
      .split(/[^A-Z0-9]+/)
      .filter(Boolean);
    return parts.some((p) => PARTS.has(p));
  };
  const value = (v: string): string =>
    v
      // scheme://user:password@host → scheme://user:********@host
      .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)([^\s/@]+)@/gi, `$1${MASK}@`)
      // Authorization-like prefixes
      .replace(/\b(Bearer|Basic|Token|Digest|ApiKey|Api-Key)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1$2${MASK}`);
  const FLAG = /^--?([A-Za-z0-9][A-Za-z0-9._-]*)$/;
  const flagIsSecret = (flag: string) => name(flag);
  const argv = (list: readonly string[]): string[] => {
    const out: string[] = [];
    for (let i = 0; i < list.length; i++) {
      const arg = String(list[i]);
      const eq = arg.indexOf('=');
      if (arg.startsWith('-') && eq > 0 && flagIsSecret(arg.slice(0, eq).replace(/^-+/, ''))) {
        out.push(`${arg.slice(0, eq)}=${MASK}`);
        continue;
      }
      const flag = FLAG.exec(arg);
      if (flag && flagIsSecret(flag[1]!) && i + 1 < list.length && !String(list[i + 1]).startsWith('-')) {
        out.push(arg, MASK);
        i++;
        continue;
      }
      out.push(value(arg));
    }
    return out;
  };
  return { name, value, argv };
}
