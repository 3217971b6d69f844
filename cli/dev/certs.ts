/** Self-signed certificates for local mode: the webhook's TLS pair and an ACM certificate for HTTPS listeners. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir } from './temp';

const run = promisify(execFile);

export interface PemPair {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
  /** Deletes the folder with the key (it is deleted at process exit anyway). */
  remove(): void;
}

/**
 * A self-signed RSA certificate for `commonName` (with SANs), written to a fresh temp folder that is
 * removed at exit (see ./temp).
 */
export async function selfSignedCertificate(commonName: string, altNames: string[] = []): Promise<PemPair> {
  const tmp = makeTempDir('cert');
  const dir = tmp.path;
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  const sans = [commonName, ...altNames].map((n) =>
    /^\d+\.\d+\.\d+\.\d+$/.test(n) ? `IP:${n}` : `DNS:${n}`,
  );
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '30',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      `subjectAltName=${sans.join(',')}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
  } catch (err) {
    tmp.remove();
    throw new Error(`could not create a certificate with openssl: ${(err as Error).message.split('\n')[0]}`);
  }
  return {
    certFile,
    keyFile,
    cert: await readFile(certFile, 'utf8'),
    key: await readFile(keyFile, 'utf8'),
    remove: tmp.remove,
  };
}
