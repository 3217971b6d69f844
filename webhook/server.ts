/**
 * The admission server: fastify over HTTPS only. The certificate and key are re-read when their files
 * change (new connections get the new pair, no restart). Malformed requests get HTTP 400, oversized ones
 * 413, and nothing gets a 500: an internal error in validation is a denial that says so.
 */
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:https';
import { dirname } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { BuildOptions } from '../shared/build';
import { AdmissionReviewRequest, mutate, validate } from './admission';
import type { ClusterState } from './cluster-state';
import { WebhookMetrics } from './metrics';
import { mutatePod, type PodAdmissionContext } from './pod-readiness/admission';

export interface WebhookServerOptions extends BuildOptions {
  host: string;
  port: number;
  tlsCertFile: string;
  tlsKeyFile: string;
  state: ClusterState;
  /** Pod readiness gates (POST /mutate-pod); without it that route allows every pod untouched. */
  pods?: PodAdmissionContext;
  metrics?: WebhookMetrics;
  /** The API server sends at most 3 MiB objects; anything larger is refused with 413. */
  bodyLimit?: number;
  log?: (line: string) => void;
}

export interface RunningWebhook {
  url: string;
  app: FastifyInstance;
  metrics: WebhookMetrics;
  close(): Promise<void>;
}

export async function startWebhookServer(o: WebhookServerOptions): Promise<RunningWebhook> {
  const [cert, key] = await Promise.all([readFile(o.tlsCertFile), readFile(o.tlsKeyFile)]);
  const metrics = o.metrics ?? new WebhookMetrics();
  const app = Fastify({ https: { cert, key }, bodyLimit: o.bodyLimit ?? 3 * 1024 * 1024, logger: false });
  const log = o.log ?? (() => undefined);

  app.setErrorHandler((err, _req, reply) => {
    const e = err as { statusCode?: number; message?: string };
    const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 400;
    void reply.code(status).send({ error: e.message ?? 'bad request' });
  });

  for (const [route, handler] of [
    // The live index when the state keeps one: admission then reads the candidate's group only.
    ['/validate', (r: AdmissionReviewRequest) => validate(r, o.state.view?.() ?? o.state.snapshot(), o)],
    ['/mutate', (r: AdmissionReviewRequest) => mutate(r, o.state.view?.().classes ?? o.state.snapshot())],
    [
      '/mutate-pod',
      (r: AdmissionReviewRequest) =>
        o.pods
          ? mutatePod(r, o.pods)
          : {
              review: {
                apiVersion: 'admission.k8s.io/v1' as const,
                kind: 'AdmissionReview' as const,
                response: { uid: r.request.uid, allowed: true },
              },
            },
    ],
  ] as const) {
    app.post(route, async (req, reply) => {
      const started = performance.now();
      const parsed = AdmissionReviewRequest.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return reply.code(400).send({
          error: `not an admission.k8s.io/v1 AdmissionReview: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
        });
      }
      let verdict: ReturnType<typeof handler>;
      try {
        verdict = handler(parsed.data);
      } catch (err) {
        log(`${route}: internal error: ${(err as Error).stack ?? err}`);
        verdict = {
          review: {
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: {
              uid: parsed.data.request.uid,
              allowed: false,
              status: { code: 500, message: `albatross: internal error: ${(err as Error).message}` },
            },
          },
        };
      }
      const allowed = verdict.review.response.allowed;
      metrics.admission.observe(
        { route, verdict: allowed ? 'allowed' : 'denied' },
        (performance.now() - started) / 1000,
      );
      if (verdict.denial) metrics.denials.inc({ reason: verdict.denial });
      return reply.send(verdict.review);
    });
  }
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) =>
    o.state.synced()
      ? { ok: true }
      : reply.code(503).send({ ok: false, reason: 'cluster state not synced yet' }),
  );
  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  await app.listen({ host: o.host, port: o.port });
  const server = app.server as Server;
  let reloadTimer: NodeJS.Timeout | undefined;
  const reload = () => {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(async () => {
      try {
        const [c, k] = await Promise.all([readFile(o.tlsCertFile), readFile(o.tlsKeyFile)]);
        server.setSecureContext({ cert: c, key: k });
        log('webhook: TLS certificate reloaded');
      } catch (err) {
        log(`webhook: TLS reload failed, keeping the previous certificate: ${(err as Error).message}`);
      }
    }, 100);
  };
  // Watch the folders: Kubernetes swaps secret files through symlinks, which a file watch misses.
  const watchers = [...new Set([dirname(o.tlsCertFile), dirname(o.tlsKeyFile)])].map((d) => watch(d, reload));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    url: `https://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    app,
    metrics,
    async close() {
      clearTimeout(reloadTimer);
      for (const w of watchers) w.close();
      await app.close();
    },
  };
}
