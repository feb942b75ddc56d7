/** src/config.ts: --help is derived from the one zod schema (names, variables, descriptions, defaults). */
import t from 'tap';
import { ConfigError, ConfigSchema, DEFAULT_MODEL_DIR, loadConfig, redactConfig, usage, type Config } from '../src/config.js';

t.test('--help lists every option with its variable, description and default', async (t) => {
  const help = usage();
  const defaults = loadConfig([], {});
  for (const [key, field] of Object.entries(ConfigSchema.shape)) {
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    const env = `FER_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    t.match(help, new RegExp(`^  ${flag} <value>\\s+${env}$`, 'm'), `${flag} and ${env}`);
    t.ok(field.description && field.description.length > 10, `${key} has a description`);
    const section = help.slice(help.indexOf(`${flag} <value>`)).split(/\n  --/)[0].replace(/\s+/g, ' ');
    t.ok(section.includes(field.description!.split(' ').slice(0, 4).join(' ')), `${flag}: its description is printed`);
    const value = (defaults as Record<string, unknown>)[key];
    if (value !== undefined) t.ok(section.includes(`Default: ${String(value)}.`), `${flag}: default ${String(value)}`);
  }
  const flat = help.replace(/\s+/g, ' ');
  t.match(flat, /--detector <value> FER_DETECTOR BlazeFace .*?One of: front, back\. Default: front\. --detector-model /);
  t.match(flat, /--max-batch <value> FER_MAX_BATCH Dynamic batcher: faces per inference batch\. Default: 32\./);
});

t.test('config: defaults, flags over env, validation, redaction', async (t) => {
  const d = loadConfig([], {});
  t.match(d, { host: '127.0.0.1', port: 8080, device: 'cpu', modelDir: DEFAULT_MODEL_DIR, maxBatch: 32, warmup: true });
  t.ok(Object.isFrozen(d));
  const c = loadConfig(['--port', '9000', '--device', 'cuda', '--data-root', '/data'], { FER_PORT: '7000', FER_THREADS: '2', FER_MAX_QUEUE_DELAY_MS: '5', FER_WARMUP: 'false' });
  t.match(c, { port: 9000, device: 'cuda', threads: 2, dataRoot: '/data', maxQueueDelayMs: 5, warmup: false });
  t.throws(() => loadConfig(['--port', 'eighty']), ConfigError);
  t.throws(() => loadConfig([], { FER_PORT: '70000' }), /--port \/ FER_PORT/);
  t.throws(() => loadConfig(['--no-such-flag', 'x']), /Unknown option '--no-such-flag'/);
  t.throws(() => loadConfig([], { FER_MAX_BATCH: '0' }), /--max-batch \/ FER_MAX_BATCH/);
  const withSecret = { ...d, apiToken: 'hunter2' } as Config;
  t.equal(redactConfig(withSecret).apiToken, '[redacted]');
  t.equal(redactConfig(withSecret).host, '127.0.0.1');
});
