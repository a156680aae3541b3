// Makes the deployment's secrets, random, in place of the placeholders that every process
// refuses at startup (docs/DEPLOY.md, "Secrets"):
//
//   pnpm exec tsx scripts/make-secrets.ts k8s > infra/k8s/base/secret.yaml   # the Secret
//   pnpm exec tsx scripts/make-secrets.ts env > infra/.env                   # Docker Compose's
//
// Keep the output out of git (infra/.env is ignored; `git update-index --skip-worktree
// infra/k8s/base/secret.yaml`, or a Secret made by your own tooling, for Kubernetes).
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';

/** The secrets of one deployment: hex, so that they need no quoting in a URL or a shell. */
export interface DeploymentSecrets {
  METATRAIN_TOKEN: string;
  S3_ACCESS_KEY: string;
  S3_SECRET_KEY: string;
  REDIS_PASSWORD: string;
}

/** 32 random bytes (16 for the access key, which is a name) in hex. */
export function makeSecrets(): DeploymentSecrets {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');
  return { METATRAIN_TOKEN: hex(32), S3_ACCESS_KEY: `metatrain-${hex(8)}`, S3_SECRET_KEY: hex(32), REDIS_PASSWORD: hex(32) };
}

/** infra/k8s/base/secret.yaml with `secrets`; REDIS_URL points at components/redis with the password. */
export function kubernetesSecret(secrets: DeploymentSecrets): string {
  const stringData = { ...secrets, REDIS_URL: `redis://:${secrets.REDIS_PASSWORD}@metatrain-redis:6379` };
  return `# Made by scripts/make-secrets.ts: keep it out of git.\n${stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'metatrain-secrets' }, type: 'Opaque', stringData })}`;
}

/** infra/.env for Docker Compose: the variables infra/compose.yaml requires. */
export function composeEnv(secrets: DeploymentSecrets): string {
  const env = { METATRAIN_TOKEN: secrets.METATRAIN_TOKEN, MINIO_ROOT_USER: secrets.S3_ACCESS_KEY, MINIO_ROOT_PASSWORD: secrets.S3_SECRET_KEY, REDIS_PASSWORD: secrets.REDIS_PASSWORD };
  return `# Made by scripts/make-secrets.ts: keep it out of git.\n${Object.entries(env).map(([name, value]) => `${name}=${value}`).join('\n')}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const format = process.argv[2];
  if (format !== 'k8s' && format !== 'env') {
    process.stderr.write('usage: tsx scripts/make-secrets.ts k8s|env   (k8s: a Secret for infra/k8s/base/secret.yaml; env: infra/.env for compose)\n');
    process.exit(2);
  }
  process.stdout.write((format === 'k8s' ? kubernetesSecret : composeEnv)(makeSecrets()));
}
