import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { faceOptions } from '../../src/http/detect-query.js';
import { schemaErrorFormatter } from '../../src/http/serialize.js';
import { DetectQuery } from '../../src/schemas/index.js';

/** The query as the route's schema validates it (the type provider's validatorCompiler), then its face options. */
function detectQuery(query: Record<string, string>, config: ReturnType<typeof loadConfig>) {
  const r = DetectQuery.safeParse(query);
  if (!r.success) throw schemaErrorFormatter(r.error.issues.map((i) => ({ instancePath: `/${i.path.join('/')}`, message: i.message })), 'querystring');
  return { detect: r.data.detect, faces: faceOptions(r.data, config) };
}

t.test('the detection query: defaults from --faces and --min-face-size, per-request overrides', async (t) => {
  const d = loadConfig([], {});
  t.match(d, { faces: 'all', minFaceSize: 40 });
  t.same(detectQuery({}, d), { detect: 'auto', faces: { strategy: 'all', minFaceSize: 40 } });
  const c = loadConfig(['--faces', 'near'], { FER_MIN_FACE_SIZE: '64' });
  t.same(detectQuery({}, c), { detect: 'auto', faces: { strategy: 'near', minFaceSize: 64 } });
  t.same(detectQuery({ detect: 'always', faces: 'all', minFaceSize: '24' }, c), { detect: 'always', faces: { strategy: 'all', minFaceSize: 24 } });
  t.throws(() => detectQuery({ faces: 'most' }, d), { code: 'FER_ERR_BAD_PARAMETER', message: /faces/ });
  t.throws(() => detectQuery({ minFaceSize: '8' }, d), { code: 'FER_ERR_BAD_PARAMETER', message: /minFaceSize/ });
  t.throws(() => loadConfig(['--min-face-size', '4']), /--min-face-size \/ FER_MIN_FACE_SIZE/);
  t.throws(() => loadConfig(['--faces', 'some']), /--faces \/ FER_FACES/);
});
