import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCertificates, readKeyPair, TlsFileError } from './pem-files';
import { makeTestCertificates, type TestCertificates } from '../testing/test-certificates';

let certs: TestCertificates;
beforeAll(async () => {
  certs = await makeTestCertificates();
});
afterAll(() => certs.close());

const file = (path: string, setting = 'GRPC_TLS_CERT') => ({ path, setting });

/** The TlsFileError `run` throws. */
function failure(run: () => unknown): TlsFileError {
  try {
    run();
  } catch (err) {
    if (err instanceof TlsFileError) return err;
    throw err;
  }
  throw new Error('expected a TlsFileError');
}

describe('TLS files', () => {
  it('reads a certificate and a matching key pair', () => {
    expect(readCertificates(file(certs.caCert)).equals(readFileSync(certs.caCert))).toBe(true);
    const pair = readKeyPair(file(certs.serverCert), file(certs.serverKey, 'GRPC_TLS_KEY'));
    expect(pair.key.equals(readFileSync(certs.serverKey))).toBe(true);
  });

  it('names the setting and the reason, and never shows the content', () => {
    const missing = failure(() => readCertificates(file(join(certs.dir, 'nope.pem'), 'METATRAIN_TLS_CA')));
    expect(missing.message).toBe(`METATRAIN_TLS_CA: cannot read ${JSON.stringify(join(certs.dir, 'nope.pem'))} (ENOENT)`);

    // A key where a certificate belongs: its text must not leak into the message.
    const notCert = failure(() => readCertificates(file(certs.serverKey)));
    expect(notCert.message).toBe(`GRPC_TLS_CERT: ${JSON.stringify(certs.serverKey)} is not a PEM certificate`);
    expect(notCert.message).not.toContain('PRIVATE KEY');

    const notKey = failure(() => readKeyPair(file(certs.serverCert), file(certs.caCert, 'GRPC_TLS_KEY')));
    expect(notKey).toMatchObject({ setting: 'GRPC_TLS_KEY', reason: `${JSON.stringify(certs.caCert)} is not an unencrypted PEM private key` });

    const mixedUp = failure(() => readKeyPair(file(certs.serverCert), file(certs.workerKey, 'GRPC_TLS_KEY')));
    expect(mixedUp.reason).toBe(`${JSON.stringify(certs.workerKey)} is not the private key of the certificate in GRPC_TLS_CERT`);
  });

  it('refuses an empty or garbled certificate file', () => {
    const garbled = join(certs.dir, 'garbled.pem');
    writeFileSync(garbled, readFileSync(certs.caCert, 'utf8').replace(/^(.{40}).{8}/m, '$1AAAAAAAA'));
    expect(failure(() => readCertificates(file(garbled))).reason).toContain('is not a PEM certificate');
    const empty = join(certs.dir, 'empty.pem');
    writeFileSync(empty, '');
    expect(failure(() => readCertificates(file(empty))).reason).toContain('is not a PEM certificate');
  });
});
