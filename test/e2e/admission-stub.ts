/**
 * A recording stand-in for the webhook: answers every AdmissionReview (allowing all, except /validate
 * denies Ingresses named `deny-*`) and records what reached it. Lets the manifests be tested, and
 * benchmarked, without the real webhook.
 */
import { createServer, type Server } from 'node:https';
import { makeServingCert } from '../support/kube';

export interface AdmissionStub {
  url: string;
  caPem: string;
  seen: Seen[];
  server: Server;
}

export interface Seen {
  path: string;
  namespace: string;
  name: string;
  dryRun: boolean;
  operation: string;
}

/** Records every AdmissionReview; denies Ingresses named `deny-*` from /validate. */
export async function startAdmissionStub(dir: string): Promise<AdmissionStub> {
  const cert = await makeServingCert(dir, 'recorder');
  const seen: Seen[] = [];
  const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      // The API server appends ?timeout=<timeoutSeconds>s.
      const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname;
      const review = JSON.parse(body) as {
        request: {
          uid: string;
          operation: string;
          dryRun?: boolean;
          namespace: string;
          name: string;
          object: { metadata: { name: string } };
        };
      };
      const r = review.request;
      const name = r.name || r.object.metadata.name;
      seen.push({
        path,
        namespace: r.namespace,
        name,
        dryRun: r.dryRun === true,
        operation: r.operation,
      });
      const deny = path === '/validate' && name.startsWith('deny-');
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: {
            uid: r.uid,
            allowed: !deny,
            ...(deny
              ? { status: { code: 403, message: `metadata.name: ${name}: expected the recorder to deny` } }
              : {}),
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('recorder has no address');
  return { url: `https://127.0.0.1:${address.port}`, caPem: cert.caPem, seen, server };
}
