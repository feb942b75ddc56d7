/** src/pipeline/decode.ts: image signatures. */
import t from 'tap';
import { sniffFormat } from '../../src/pipeline/decode.js';
import { syntheticImage } from '../fixtures/helpers.js';

t.test('image signatures', async (t) => {
  t.equal(sniffFormat(await syntheticImage(4, 4, 'png')), 'png');
  t.equal(sniffFormat(await syntheticImage(4, 4, 'jpeg')), 'jpeg');
  t.equal(sniffFormat(await syntheticImage(4, 4, 'webp')), 'webp');
  t.equal(sniffFormat(await syntheticImage(4, 4, 'gif')), 'gif');
  t.equal(sniffFormat(Buffer.from('hello')), undefined);
});
