// The coordinator's announcement of a parameter version, on the queue's `parameters` channel
// (queue-keys.ts). Shared by publisher and subscriber; checked with zod on the way in.
import { z } from 'zod';
import { JOB_ID_PATTERN } from './shard-message';

/** Version `version` of job `jobId` can be fetched with GetParameters now. */
export interface ParameterAnnouncement {
  jobId: string;
  version: number;
}

// Unknown fields are ignored, as in a shard message: a newer coordinator may add one.
const announcementSchema = z.object({
  jobId: z.string().regex(JOB_ID_PATTERN),
  version: z.number().int().min(0),
});

/** The channel message of `announcement`. */
export function encodeParameterAnnouncement(announcement: ParameterAnnouncement): string {
  return JSON.stringify({ jobId: announcement.jobId, version: announcement.version });
}

/** The announcement in a channel message, or undefined when the message is not one. */
export function parseParameterAnnouncement(text: string): ParameterAnnouncement | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = announcementSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}
