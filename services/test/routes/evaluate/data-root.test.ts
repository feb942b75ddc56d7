/** src/routes/evaluate/data-root.ts: lexical checks of manifest paths. */
import t from 'tap';
import { DataRoot } from '../../../src/routes/evaluate/data-root.js';

t.test('data root: lexical checks', async (t) => {
  for (const p of ['', '/etc/passwd', '../x', 'a/../../x', 'a\\..\\x', 'C:\\x', '~/x', 'a\0b']) t.throws(() => DataRoot.checkLexical(p), { code: 'FER_ERR_PATH_ESCAPE', statusCode: 400 }, JSON.stringify(p));
  for (const p of ['a.png', 'dir/a.png', './a.png', 'a..b.png']) t.doesNotThrow(() => DataRoot.checkLexical(p), p);
});
