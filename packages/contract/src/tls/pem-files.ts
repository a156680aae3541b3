import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * A TLS file that cannot be used: `setting` names where its path came from (an environment
 * variable such as GRPC_TLS_CERT), the message says why. Never carries the file's content.
 */
export class TlsFileError extends Error {
  override readonly name = 'TlsFileError';
  constructor(
    readonly setting: string,
    readonly reason: string,
  ) {
    super(`${setting}: ${reason}`);
  }
}

/** A path and the setting it came from, for error messages. */
export interface PemFile {
  path: string;
  setting: string;
}

/** A certificate chain and the private key that belongs to its first certificate. */
export interface KeyPair {
  cert: Buffer;
  key: Buffer;
}

function read(file: PemFile): Buffer {
  try {
    return readFileSync(file.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new TlsFileError(file.setting, `cannot read ${JSON.stringify(file.path)} (${code})`);
  }
}

/**
 * Reads PEM certificates (a chain, or a bundle of CAs) and checks that the first parses.
 * @throws {TlsFileError} naming the setting.
 */
export function readCertificates(file: PemFile): Buffer {
  const pem = read(file);
  try {
    new X509Certificate(pem);
  } catch {
    throw new TlsFileError(file.setting, `${JSON.stringify(file.path)} is not a PEM certificate`);
  }
  return pem;
}

/**
 * Reads a certificate chain and its private key and checks that they belong together, so a
 * mix-up fails at start with a clear line rather than at the first TLS handshake.
 * @throws {TlsFileError} naming the setting at fault.
 */
export function readKeyPair(cert: PemFile, key: PemFile): KeyPair {
  const certPem = readCertificates(cert);
  const keyPem = read(key);
  let privateKey;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch {
    throw new TlsFileError(key.setting, `${JSON.stringify(key.path)} is not an unencrypted PEM private key`);
  }
  if (!new X509Certificate(certPem).checkPrivateKey(privateKey)) {
    throw new TlsFileError(key.setting, `${JSON.stringify(key.path)} is not the private key of the certificate in ${cert.setting}`);
  }
  return { cert: certPem, key: keyPem };
}
