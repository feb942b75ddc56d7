/**
 * deploy/: every manifest is valid against the Kubernetes schema of its apiVersion and kind
 * (kubernetes-models' compiled OpenAPI schemas; the KServe InferenceService against the small
 * schema in test/schemas, its pod and container parts against core/v1), nothing fetched; and the
 * manifests agree with the service: probes on /readyz and /healthz, a grace period above the
 * drain deadline, non-root with a read-only root and a /tmp volume, FER_* variables that exist,
 * selectors that select the pods, the HPA on CPU, the transformer pointed at the predictor.
 */
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import YAML from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { PodSpec } from 'kubernetes-models/v1/PodSpec';
import { Container } from 'kubernetes-models/v1/Container';
import { ConfigSchema } from '../services/src/config.js';

const root = new URL('..', import.meta.url).pathname;
const DEPLOY = join(root, 'deploy');

type Obj = Record<string, any>;
interface Manifest {
  file: string;
  obj: Obj;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(n) ? [p] : [];
  });
}

const manifests: Manifest[] = yamlFiles(DEPLOY).flatMap((p) =>
  YAML.parseAllDocuments(readFileSync(p, 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${p}: ${d.errors[0].message}`);
    return { file: relative(root, p), obj: d.toJS() as Obj };
  }),
);

/** Kubernetes kinds by `apiVersion/kind`, each a model class whose validate() checks its schema. */
const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};
const KSERVE = 'serving.kserve.io/v1beta1/InferenceService';
const KUSTOMIZE = 'kustomize.config.k8s.io/v1beta1/Kustomization';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validateIsvc = ajv.compile(JSON.parse(readFileSync(join(root, 'test/schemas/kserve-inferenceservice-v1beta1.json'), 'utf8')) as object);
const POD_FIELDS = Object.keys((JSON.parse(readFileSync(join(root, 'test/schemas/kserve-inferenceservice-v1beta1.json'), 'utf8')) as Obj).$defs.podSpecFields.properties as object);
const FRAMEWORK_FIELDS = ['storageUri', 'runtimeVersion', 'protocolVersion'];

/** Validates one manifest; returns the problems (empty when valid). */
function problems(m: Manifest): string[] {
  const key = `${m.obj.apiVersion}/${m.obj.kind}`;
  const errs = (f: () => void) => {
    try {
      f();
      return [];
    } catch (err) {
      return [(err as Error).message];
    }
  };
  if (MODELS[key]) return errs(() => new MODELS[key](m.obj).validate());
  if (key === KUSTOMIZE) return (m.obj.resources as string[]).filter((r) => !manifests.some((x) => x.file === relative(root, join(DEPLOY, r)))).map((r) => `resource ${r} is not a manifest in deploy/`);
  if (key === KSERVE) {
    if (!validateIsvc(m.obj)) return (validateIsvc.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
    return Object.entries(m.obj.spec as Record<string, Obj>).flatMap(([component, spec]) => {
      const pod = Object.fromEntries(Object.entries(spec).filter(([k]) => POD_FIELDS.includes(k)));
      const out = errs(() => new PodSpec({ containers: [], ...pod }).validate()).map((e) => `${component} pod: ${e}`);
      for (const fw of ['triton', 'onnx', 'model']) {
        if (!spec[fw]) continue;
        const container = Object.fromEntries(Object.entries(spec[fw] as Obj).filter(([k]) => !FRAMEWORK_FIELDS.includes(k)));
        out.push(...errs(() => new Container({ name: 'kserve-container', ...container }).validate()).map((e) => `${component}.${fw}: ${e}`));
      }
      return out;
    });
  }
  return [`${key} is not a kind this test knows the schema of`];
}

const find = (kind: string) => {
  const m = manifests.find((x) => x.obj.kind === kind);
  if (!m) throw new Error(`deploy/ has no ${kind}`);
  return m.obj;
};
const envOf = (c: Obj) => Object.fromEntries((c.env as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]));
const CONFIG_VARS = Object.keys(ConfigSchema.shape).map((k) => `FER_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`);

t.test('every manifest is schema-valid for its apiVersion and kind', async (t) => {
  const kinds = manifests.map((m) => m.obj.kind).sort();
  t.same(kinds, ['Deployment', 'HorizontalPodAutoscaler', 'InferenceService', 'Kustomization', 'PodDisruptionBudget', 'Service'].sort(), 'the five kinds, and the kustomization');
  for (const m of manifests) t.same(problems(m), [], `${m.file}: ${m.obj.apiVersion} ${m.obj.kind}`);
});

t.test('the validation catches broken manifests', async (t) => {
  const clone = <T>(o: T): T => structuredClone(o);
  const dep = clone(manifests.find((m) => m.obj.kind === 'Deployment')!);
  dep.obj.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
  t.match(problems(dep).join(), /containerPort must be integer/, 'a Deployment with a string port');
  const hpa = clone(manifests.find((m) => m.obj.kind === 'HorizontalPodAutoscaler')!);
  delete hpa.obj.spec.scaleTargetRef;
  t.match(problems(hpa).join(), /scaleTargetRef/, 'an HPA without its target');
  const isvc = clone(manifests.find((m) => m.obj.kind === 'InferenceService')!);
  isvc.obj.spec.predictor.triton.protocolVersion = 'v3';
  isvc.obj.spec.transformer.replicas = 2;
  isvc.obj.spec.transformer.containers[0].resources = { limits: { cpu: 'lots' } };
  const p = problems(isvc);
  t.ok(p.some((e) => /protocolVersion|allowed values/.test(e)), 'an InferenceService with an unknown protocol');
  isvc.obj.spec.predictor.triton.protocolVersion = 'v2';
  t.ok(problems(isvc).some((e) => /unevaluated/.test(e)), 'a field KServe does not have');
  delete isvc.obj.spec.transformer.replicas;
  t.match(problems(isvc).join(), /transformer pod: .*cpu/, 'a container with a bad quantity');
});

t.test('the Deployment fits the service', async (t) => {
  const dep = find('Deployment');
  const pod = dep.spec.template.spec;
  const c = pod.containers[0];
  const env = envOf(c);
  t.same(Object.keys(env).filter((k) => !CONFIG_VARS.includes(k)), [], 'every FER_* variable is a service setting');
  t.equal(c.readinessProbe.httpGet.path, '/readyz', 'readiness on /readyz');
  t.equal(c.livenessProbe.httpGet.path, '/healthz', 'liveness on /healthz');
  const drainMs = Number(env.FER_SHUTDOWN_TIMEOUT_MS ?? 10_000) + 1000 * (c.lifecycle?.preStop?.sleep?.seconds ?? 0);
  t.ok(pod.terminationGracePeriodSeconds * 1000 > drainMs, `grace period ${pod.terminationGracePeriodSeconds} s > drain deadline + preStop (${drainMs / 1000} s)`);
  t.equal(pod.securityContext.runAsNonRoot, true, 'non-root');
  t.not(pod.securityContext.runAsUser, 0);
  t.equal(c.securityContext.readOnlyRootFilesystem, true, 'read-only root filesystem');
  const tmp = c.volumeMounts.find((v: Obj) => v.mountPath === '/tmp');
  t.ok(tmp && pod.volumes.some((v: Obj) => v.name === tmp.name && v.emptyDir), '/tmp is an emptyDir volume');
  t.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, 'resources requested and limited');
  t.ok(env.FER_MODEL_DIR, 'the model directory is set (image layer, or a mounted volume)');
  const labels = dep.spec.template.metadata.labels;
  const selects = (sel: Obj) => Object.entries(sel).every(([k, v]) => labels[k] === v);
  t.ok(selects(dep.spec.selector.matchLabels), 'the Deployment selects its pods');
  const svc = find('Service');
  t.ok(selects(svc.spec.selector), 'the Service selects the pods');
  t.ok(c.ports.some((p: Obj) => p.name === svc.spec.ports[0].targetPort), 'the Service targets the named container port');
  t.ok(selects(find('PodDisruptionBudget').spec.selector.matchLabels), 'the PodDisruptionBudget selects the pods');
  const hpa = find('HorizontalPodAutoscaler');
  t.match(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: dep.metadata.name });
  t.ok(hpa.spec.metrics.some((m: Obj) => m.type === 'Resource' && m.resource.name === 'cpu'), 'the HPA scales on CPU');
  const hpaText = readFileSync(join(DEPLOY, 'hpa.yaml'), 'utf8');
  t.match(hpaText, /#\s+name: fer_queue_depth/, 'with a commented queue-depth example');
  t.match(readFileSync(join(root, 'services/src/plugins/app/metrics.ts'), 'utf8'), /name: 'fer_queue_depth'/, 'a metric the service exports');
});

t.test('the InferenceService: Triton v2 predictor, this service as the transformer', async (t) => {
  const isvc = find('InferenceService');
  t.equal(isvc.spec.predictor.triton.protocolVersion, 'v2');
  const c = isvc.spec.transformer.containers[0];
  const env = envOf(c);
  t.same(Object.keys(env).filter((k) => !CONFIG_VARS.includes(k)), [], 'every FER_* variable is a service setting');
  t.equal(env.FER_INFERENCE_URL, `http://${isvc.metadata.name}-predictor`, 'the transformer sends its batches to the predictor');
  t.equal(c.readinessProbe.httpGet.path, '/readyz', 'readiness (follows the predictor) on /readyz');
  t.equal(c.livenessProbe.httpGet.path, '/healthz');
  t.equal(c.securityContext.readOnlyRootFilesystem, true);
  t.ok(isvc.spec.transformer.terminationGracePeriodSeconds * 1000 > Number(env.FER_SHUTDOWN_TIMEOUT_MS), 'grace period above the drain deadline');
});
