/**
 * Prometheus metrics (prom-client), one registry per app: every series the service exports is
 * declared here, decorated as `app.metrics`; GET /metrics (routes/metrics) serves them.
 *
 * - fer_http_requests_total{method,route,status_code}, fer_http_request_duration_seconds{...}
 *   (route is the route pattern, `unmatched` for a 404)
 * - fer_inference_duration_seconds{kind=image|sequence}: one onnxruntime run of the expression model
 * - fer_batch_size: crops per image batch; fer_queue_depth{queue=inference|preprocess};
 *   fer_queue_rejected_total{queue}: refused with 503
 * - fer_faces_per_image; fer_stage_duration_seconds{stage=decode|detect|align}
 * - fer_provider_info{model,role,provider} 1: the execution provider in use
 * - fer_ready 0|1; and prom-client's default process and Node.js metrics (CPU, memory, event-loop
 *   delay, GC, handles).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../../config.js';

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** 1, 2, 4, ... up to and including `max`. */
export function batchBuckets(max: number): number[] {
  const b: number[] = [];
  for (let v = 1; v < max; v *= 2) b.push(v);
  b.push(max);
  return b;
}

export type Queue = 'inference' | 'preprocess';

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'fer_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'fer_http_request_duration_seconds',
    help: 'Time from the request to its response, by route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  readonly inference = new Histogram({
    name: 'fer_inference_duration_seconds',
    help: 'One onnxruntime run of the expression model (image batch or clip), seen from the main thread',
    labelNames: ['kind'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  readonly batchSize: Histogram;
  readonly queueRejected = new Counter({
    name: 'fer_queue_rejected_total',
    help: 'Faces (inference queue) or images (preprocess queue) refused with 503 because the queue was full',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  readonly facesPerImage = new Histogram({
    name: 'fer_faces_per_image',
    help: 'Faces cropped per image',
    buckets: [0, 1, 2, 3, 4, 6, 8, 16, 32],
    registers: [this.registry],
  });
  readonly stage = new Histogram({
    name: 'fer_stage_duration_seconds',
    help: 'Per-image preprocessing stages',
    labelNames: ['stage'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  readonly provider = new Gauge({
    name: 'fer_provider_info',
    help: 'Execution provider in use (value 1), per model: role classifier (expression model) or detector',
    labelNames: ['model', 'role', 'provider'] as const,
    registers: [this.registry],
  });
  private readonly queues = new Map<Queue, () => number>();
  private readiness: () => boolean = () => false;

  constructor(config: Pick<Config, 'maxBatch'>) {
    const queues = this.queues;
    const readiness = () => this.readiness();
    this.batchSize = new Histogram({ name: 'fer_batch_size', help: 'Crops per inference batch', buckets: batchBuckets(config.maxBatch), registers: [this.registry] });
    new Gauge({
      name: 'fer_queue_depth',
      help: 'Faces waiting for inference, images being preprocessed',
      labelNames: ['queue'] as const,
      registers: [this.registry],
      collect() {
        for (const [q, depth] of queues) this.set({ queue: q }, depth());
      },
    });
    new Gauge({
      name: 'fer_ready',
      help: '1 when /readyz answers 200',
      registers: [this.registry],
      collect() {
        this.set(readiness() ? 1 : 0);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Reads a queue's depth at each scrape. */
  watchQueue(queue: Queue, depth: () => number): void {
    this.queues.set(queue, depth);
  }

  watchReadiness(ready: () => boolean): void {
    this.readiness = ready;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

async function metricsPlugin(app: FastifyInstance): Promise<void> {
  const metrics = new ServiceMetrics(app.config);
  app.decorate('metrics', metrics);
  app.addHook('onResponse', async (req, reply) => {
    const labels = { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
}

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x' });
