/**
 * Certificate discovery's ACM side against moto: self-signed certificates imported into ACM, listed with
 * every key type, and resolved for hosts exactly as the matcher decides; one listing per invocation.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ACMClient, ImportCertificateCommand } from '@aws-sdk/client-acm';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { CallCounter } from '../../aws/call-counter';
import {
  CertificateDiscovery,
  listenerCertificateArns,
  listIssuedCertificates,
} from '../../aws/certificates';

const run = promisify(execFile);
const endpoint = inject('motoEndpoint');
let dir: string;
let acm: ACMClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'albatross-acm-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  acm = new ACMClient({ endpoint, region: 'us-east-1', maxAttempts: 1 });
});

/** Imports a self-signed certificate for `names` (the first is the CN); `key` as openssl -newkey takes it. */
async function importCertificate(names: string[], key: 'rsa:2048' | 'ec-p384' = 'rsa:2048'): Promise<string> {
  const base = join(dir, `${names[0]!.replace(/\W/g, '_')}-${key}`);
  const keyArgs =
    key === 'ec-p384' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1'] : ['-newkey', key];
  await run('openssl', [
    'req',
    '-x509',
    ...keyArgs,
    '-nodes',
    '-sha256',
    '-days',
    '30',
    '-subj',
    `/CN=${names[0]}`,
    '-addext',
    `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
    '-keyout',
    `${base}.key`,
    '-out',
    `${base}.crt`,
  ]);
  const r = await acm.send(
    new ImportCertificateCommand({
      Certificate: await readFile(`${base}.crt`),
      PrivateKey: await readFile(`${base}.key`),
    }),
  );
  return r.CertificateArn!;
}

describe('listIssuedCertificates', () => {
  it('lists every issued certificate of any key type with all its names', async () => {
    const www = await importCertificate(['www.example.com', 'example.com']);
    const wild = await importCertificate(['*.example.com'], 'ec-p384');
    const certs = await listIssuedCertificates(acm);
    const byArn = new Map(certs.map((c) => [c.arn, c]));
    expect([...(byArn.get(www)?.names ?? [])].sort()).toEqual(['example.com', 'www.example.com']);
    expect(byArn.get(wild)?.names).toEqual(['*.example.com']);
    expect(byArn.get(wild)?.status).toBe('ISSUED');
    expect(byArn.get(wild)?.type).toBe('IMPORTED');
  });

  it('takes the names from the summary when it lists all of them (no DescribeCertificate)', async () => {
    await importCertificate(['www.example.com']);
    // AWS's ListCertificates carries SubjectAlternativeNameSummaries (moto's does not): add them the
    // way AWS sends them, after the real call, and check no certificate is described.
    const commands: string[] = [];
    acm.middlewareStack.add(
      (next, context) => async (args) => {
        const name = (context as { commandName?: string }).commandName ?? '';
        commands.push(name);
        const out = await next(args);
        if (name === 'ListCertificatesCommand') {
          const o = out.output as {
            CertificateSummaryList?: Record<string, unknown>[];
          };
          for (const s of o.CertificateSummaryList ?? []) {
            s.SubjectAlternativeNameSummaries = ['www.example.com', 'summary-only.example.com'];
            s.HasAdditionalSubjectAlternativeNames = false;
          }
        }
        return out;
      },
      { step: 'initialize', name: 'aws-like-summaries' },
    );
    const [c] = await listIssuedCertificates(acm);
    expect([...(c?.names ?? [])].sort()).toEqual(['summary-only.example.com', 'www.example.com']);
    expect(commands).toEqual(['ListCertificatesCommand']);
  });
});

describe('CertificateDiscovery', () => {
  it('resolves hosts to every matching certificate, sorted, and names an unmatched host', async () => {
    const www = await importCertificate(['www.example.com', 'example.com']);
    const wild = await importCertificate(['*.example.com'], 'ec-p384');
    const api = await importCertificate(['api.example.org']);
    const d = new CertificateDiscovery(acm);
    expect(await d.discover(['www.example.com'])).toEqual({
      ok: true,
      certificateArns: [www, wild].sort(),
    });
    expect(await d.discover(['api.example.org', 'shop.example.com'])).toEqual({
      ok: true,
      certificateArns: [api, wild].sort(),
    });
    const missing = await d.discover(['www.example.com', 'nope.example.net']);
    expect(missing.ok).toBe(false);
    if (!missing.ok)
      expect(missing.unmatched.map((u) => u.message)).toEqual([
        'host nope.example.net: no issued ACM certificate whose domain or subject alternative names match it (expected nope.example.net or *.example.net)',
      ]);
  });

  it('lists ACM once per invocation however many listeners ask', async () => {
    await importCertificate(['www.example.com']);
    await importCertificate(['*.example.com']);
    const counter = new CallCounter();
    counter.attach(acm);
    const d = new CertificateDiscovery(acm);
    await d.discover(['www.example.com']);
    const afterFirst = counter.snapshot().read;
    expect(afterFirst).toBe(3); // one ListCertificates, one DescribeCertificate per certificate
    await d.discover(['a.example.com']);
    await d.discover([]);
    expect(counter.snapshot().read).toBe(afterFirst);
    expect(counter.snapshot().write).toBe(0);
  });
});

describe('listenerCertificateArns', () => {
  it('keeps explicit certificates first and adds the discovered ones once; names a host without one', async () => {
    const www = await importCertificate(['www.example.com']);
    const wild = await importCertificate(['*.example.com']);
    const d = new CertificateDiscovery(acm);
    expect(
      await listenerCertificateArns(
        { port: 443, certificateArns: [wild], discoverCertificatesFor: ['www.example.com'] },
        d,
      ),
    ).toEqual({ ok: true, certificateArns: [wild, www] });
    expect(
      await listenerCertificateArns(
        { port: 443, certificateArns: [], discoverCertificatesFor: ['www.example.com'] },
        d,
      ),
    ).toEqual({
      ok: true,
      certificateArns: [www, wild].sort(),
    });
    expect(await listenerCertificateArns({ port: 8443, certificateArns: [www] }, d)).toEqual({
      ok: true,
      certificateArns: [www],
    });
    expect(
      await listenerCertificateArns(
        { port: 443, certificateArns: [], discoverCertificatesFor: ['shop.example.org'] },
        d,
      ),
    ).toEqual({
      ok: false,
      message:
        'HTTPS listener 443: certificate discovery: host shop.example.org: no issued ACM certificate whose domain or subject alternative names match it (expected shop.example.org or *.example.org)',
    });
  });
});
