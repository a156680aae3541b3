import { grpc, type Job, JobServiceClient, type WorkerInfo } from '@metatrain/contract';

type Unary<Req, Res> = (request: Req, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown;

/** The JobService calls the fault tests make, each with a deadline. Close it when done. */
export class JobApi {
  private readonly client: JobServiceClient;

  constructor(address: string) {
    this.client = new JobServiceClient(address, grpc.credentials.createInsecure());
  }

  async submit(spec: string): Promise<string> {
    return (await this.call(this.client.submitJob, { spec })).jobId;
  }

  async job(jobId: string): Promise<Job> {
    const { job } = await this.call(this.client.getJob, { jobId });
    if (!job) throw new Error(`GetJob(${jobId}) answered without a job`);
    return job;
  }

  async workers(): Promise<WorkerInfo[]> {
    return (await this.call(this.client.listWorkers, {})).workers;
  }

  close(): void {
    this.client.close();
  }

  private call<Req, Res>(method: Unary<Req, Res>, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(this.client, request, new grpc.Metadata(), { deadline: new Date(Date.now() + 10_000) }, (error, response) => (error ? reject(error) : resolve(response)));
    });
  }
}
