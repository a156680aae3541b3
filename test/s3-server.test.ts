import { request } from 'node:http';
import { Client } from 'minio';
import { describe, expect, it } from 'vitest';
import { startS3Server, uniqueBucket, type S3TestServer } from './support/s3-server';

/** Whether anything answers HTTP at the endpoint (any status counts). */
function answers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(endpoint, { method: 'GET', agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

function client(server: S3TestServer): Client {
  const url = new URL(server.endpoint);
  const { accessKey, secretKey } = server;
  return new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey, secretKey, region: 'us-east-1' });
}

describe('uniqueBucket', () => {
  it('gives distinct, valid S3 bucket names', () => {
    const names = Array.from({ length: 200 }, () => uniqueBucket('My Test_Label with a very long description'));
    expect(new Set(names).size).toBe(200);
    for (const name of names) expect(name).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
  });
});

describe('startS3Server', () => {
  it('serves the S3 API, survives a staged outage with its data, and closes with await using', async () => {
    let endpoint: string;
    {
      await using server = await startS3Server();
      endpoint = server.endpoint;
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const s3 = client(server);
      const bucket = uniqueBucket('fixture');
      await s3.makeBucket(bucket, 'us-east-1');
      await s3.putObject(bucket, 'kept', Buffer.from('across the outage'));

      if (server.outage) {
        const outage = server.outage(1_000);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await answers(endpoint)).toBe(false);
        await outage;
        expect(await answers(endpoint)).toBe(true);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of await s3.getObject(bucket, 'kept')) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('across the outage');
      await server.close(); // idempotent with the disposal below
    }
    expect(await answers(endpoint)).toBe(false);
  });
});
