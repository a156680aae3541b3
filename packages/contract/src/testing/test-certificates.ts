// Test support (not exported by the package): certificates for TLS tests, made the way
// docs/SECURITY.md tells users to make them. Unit tests and test/ import it by path.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files of a small PKI made for one test run (paths; read them as needed). */
export interface TestCertificates extends AsyncDisposable {
  readonly dir: string;
  /** The CA the coordinator's and the workers' certificates are signed by. */
  readonly caCert: string;
  /** The coordinator's certificate (SAN: localhost, 127.0.0.1) and key. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** A worker's client certificate signed by the CA, and its key. */
  readonly workerCert: string;
  readonly workerKey: string;
  /** Another worker's certificate (CN=worker-b) signed by the CA, and its key. */
  readonly otherWorkerCert: string;
  readonly otherWorkerKey: string;
  /** A client certificate signed by the CA with no CN, only subjectAltName DNS:san-worker.metatrain. */
  readonly sanOnlyCert: string;
  readonly sanOnlyKey: string;
  /** A worker certificate signed by another CA the coordinator does not trust. */
  readonly strangerCert: string;
  readonly strangerKey: string;
  close(): Promise<void>;
}

/**
 * Makes a CA, a server certificate for 127.0.0.1 and client certificates with openssl, as
 * docs/SECURITY.md tells users to (EC P-256 keys: quick to generate).
 */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'metatrain-tls-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = async (name: string) =>
    openssl('req', '-x509', ...key, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = async (name: string, caName: string, extensions: string, subject = `/CN=${name}`) => {
    await writeFile(path(`${name}.ext`), extensions);
    await openssl('req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    await openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  };
  try {
    await Promise.all([ca('metatrain-ca'), ca('stranger-ca')]);
    await leaf('coordinator', 'metatrain-ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    await leaf('worker', 'metatrain-ca', 'extendedKeyUsage=clientAuth\n');
    await leaf('worker-b', 'metatrain-ca', 'extendedKeyUsage=clientAuth\n');
    await leaf('san-only', 'metatrain-ca', 'subjectAltName=DNS:san-worker.metatrain\nextendedKeyUsage=clientAuth\n', '/O=metatrain');
    await leaf('stranger', 'stranger-ca', 'extendedKeyUsage=clientAuth\n');
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const close = () => rm(dir, { recursive: true, force: true });
  return {
    dir,
    caCert: path('metatrain-ca.crt'),
    serverCert: path('coordinator.crt'),
    serverKey: path('coordinator.key'),
    workerCert: path('worker.crt'),
    workerKey: path('worker.key'),
    otherWorkerCert: path('worker-b.crt'),
    otherWorkerKey: path('worker-b.key'),
    sanOnlyCert: path('san-only.crt'),
    sanOnlyKey: path('san-only.key'),
    strangerCert: path('stranger.crt'),
    strangerKey: path('stranger.key'),
    close,
    [Symbol.asyncDispose]: close,
  };
}
