/** src/config.ts: --help is derived from the one zod schema (names, variables, descriptions, defaults). */
import t from 'tap';
import { ConfigSchema, loadConfig, usage } from '../src/config.js';

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
