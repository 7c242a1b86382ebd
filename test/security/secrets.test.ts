import { describe, expect, it } from 'vitest';
import { probing, startTarget } from '../helpers/targets.js';
import { secretMasker } from '../../src/target/secrets.js';

/** Thirty names people give their secrets, and values with credentials inside whatever the name. */
const SECRET_ENV: Record<string, string> = {
  API_TOKEN: 'tok-1', GITHUB_TOKEN: 'ghp_x', GITHUB_PAT: 'github_pat_x', NPM_TOKEN: 'npm_x', AWS_SECRET_ACCESS_KEY: 'aws/x', AWS_ACCESS_KEY_ID: 'AKIAX',
  STRIPE_SK: 'sk_live_x', STRIPE_SECRET_KEY: 'sk_x', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/x', DB_PASS: 'pass-1', DB_PASSWORD: 'pass-2',
  MYSQL_PWD: 'pass-3', PGPASSWORD: 'pass-4', SALT: 'salt-1', CERT_PEM: '-----BEGIN CERTIFICATE-----x', TLS_PRIVATE_KEY: 'key-1', JWT_SECRET: 'jwt-1',
  SESSION_SECRET: 'ses-1', COOKIE_SECRET: 'cook-1', SENTRY_DSN: 'https://x@sentry.io/1', AUTH_HEADER: 'Bearer abcdefghijkl', CLIENT_SECRET: 'cs-1',
  OPENAI_API_KEY: 'sk-x', ENCRYPTION_KEY: 'enc-1', SIGNING_KEY: 'sig-1', PRIVATE_KEY: 'pk-1', ADMIN_CREDENTIALS: 'admin:x', HMAC_KEY: 'hmac-1',
  DATABASE_URL: 'postgres://app:pgpass@db/app', SMTP_PASS: 'smtp-1',
};
const PLAIN_ENV = {
  HTTP_PROXY: 'http://proxyuser:proxypass@proxy:3128',
  REDIS_URL: 'redis://default:redispass@cache:6379',
  MONGODB_URI: 'mongodb://app:mongopass@db:27017/app',
  APP_MODE: 'production',
  PORT_HINT: '3000',
};

describe('secrets are masked in the target, before anything crosses the wire', () => {
  it('masks the thirty names, credentials inside any value, and argv, in process.env, process.info and probing list', async () => {
    const target = await startTarget('server.cjs', { env: { ...SECRET_ENV, ...PLAIN_ENV } });
    const env = JSON.parse((await probing([String(target.pid), 'query', 'SELECT name, value, masked FROM process.env', '-f', 'json'])).stdout) as Array<{ name: string; value: string; masked: boolean }>;
    const byName = new Map(env.map((r) => [r.name, r]));
    expect(Object.keys(SECRET_ENV)).toHaveLength(30);
    for (const name of Object.keys(SECRET_ENV)) {
      expect(byName.get(name), name).toMatchObject({ value: '********', masked: true });
    }
    // names that do not look secret: the credentials inside their values are masked
    expect(byName.get('HTTP_PROXY')).toEqual({ name: 'HTTP_PROXY', value: 'http://proxyuser:********@proxy:3128', masked: true });
    expect(byName.get('REDIS_URL')).toEqual({ name: 'REDIS_URL', value: 'redis://default:********@cache:6379', masked: true });
    expect(byName.get('MONGODB_URI')).toEqual({ name: 'MONGODB_URI', value: 'mongodb://app:********@db:27017/app', masked: true });
    expect(byName.get('APP_MODE')).toEqual({ name: 'APP_MODE', value: 'production', masked: false });
    const shown = JSON.parse((await probing([String(target.pid), 'query', "SELECT value FROM process.env WHERE name IN ('DB_PASS', 'HTTP_PROXY') ORDER BY name", '-f', 'json', '--show-secrets'])).stdout);
    expect(shown).toEqual([{ value: 'pass-1' }, { value: 'http://proxyuser:proxypass@proxy:3128' }]);
  });

  it('masks passwords and tokens on the command line: process.info and probing list', async () => {
    const target = await startTarget('args.cjs', { scriptArgs: ['--password=hunter2', '--token', 'tok-secret', '--db', 'postgres://app:dbpass@db/app', '--port', '8080'] });
    const info = JSON.parse((await probing([String(target.pid), 'query', 'SELECT argv FROM process.info', '-f', 'json'])).stdout)[0].argv as string[];
    expect(info.slice(2)).toEqual(['--password=********', '--token', '********', '--db', 'postgres://app:********@db/app', '--port', '8080']);
    const listed = JSON.parse((await probing(['list', '--json'])).stdout) as Array<{ pid: number; command: string }>;
    const row = listed.find((r) => r.pid === target.pid)!;
    expect(row.command).toContain('--password=******** --token ******** --db postgres://app:********@db/app --port 8080');
    expect(row.command).not.toMatch(/hunter2|tok-secret|dbpass/);
    const shown = JSON.parse((await probing(['list', '--json', '--show-secrets'])).stdout) as Array<{ pid: number; command: string }>;
    expect(shown.find((r) => r.pid === target.pid)!.command).toContain('--password=hunter2 --token tok-secret');
  });
});

describe('secretMasker', () => {
  const mask = secretMasker();
  it('tells secret names from others, without masking the shell working directory', () => {
    for (const n of ['GITHUB_PAT', 'STRIPE_SK', 'dbPassword', 'x-api-key', 'MYSQL_PWD', 'CERT_PEM']) expect(mask.name(n), n).toBe(true);
    for (const n of ['PWD', 'OLDPWD', 'PATH', 'HOME', 'NODE_ENV', 'PORT', 'SKIP_PREFLIGHT', 'PATTERN']) expect(mask.name(n), n).toBe(false);
  });
  it('masks credentials inside values', () => {
    expect(mask.value('amqp://guest:guest@rabbit:5672')).toBe('amqp://guest:********@rabbit:5672');
    expect(mask.value('Authorization: Bearer abc.def.ghijkl')).toBe('Authorization: Bearer ********');
    expect(mask.value('https://example.com/a:b@c')).toBe('https://example.com/a:b@c');
  });
});
