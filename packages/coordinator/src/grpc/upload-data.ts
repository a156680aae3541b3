import { DecodeError } from '@metatrain/core';
import { FileReceiver, type grpc, type UploadDataRequest, type UploadDataResponse } from '@metatrain/contract';
import type { StoredData } from '../data/stored-data';
import { InvalidArgumentError, logInternalError, toStatusError, type InternalErrorHandler } from './grpc-errors';

/** What UploadData works with. */
export interface UploadDataOptions {
  data: StoredData;
  /** Largest file accepted; a larger one is refused from its first chunk's declared size. */
  maxBytes: number;
  /** The variable that sets `maxBytes`, named when a file is refused. */
  limitVariable: string;
  onInternalError?: InternalErrorHandler;
}

/**
 * JobService.UploadData: receives one file as FileChunks (size and sha256 in chunk 0, checked
 * at the end) and stores it content-addressed, answering `sha256:<hex>`: the name a spec then
 * uses for it. A file above the limit is refused as soon as chunk 0 declares its size; a
 * stream that breaks the chunk contract is INVALID_ARGUMENT naming the chunk and field.
 */
export function uploadDataHandler(options: UploadDataOptions): grpc.handleClientStreamingCall<UploadDataRequest, UploadDataResponse> {
  const onInternal = options.onInternalError ?? logInternalError;
  return (call, callback) => {
    const receiver = new FileReceiver(options.maxBytes);
    let settled = false;
    const answer = (error: unknown, response?: UploadDataResponse): void => {
      if (settled) return;
      settled = true;
      if (response) callback(null, response);
      else callback(toStatusError(error instanceof DecodeError ? new InvalidArgumentError('chunk', error.message) : error, onInternal));
    };
    call.on('data', (message: UploadDataRequest) => {
      if (settled) return;
      try {
        const chunk = message.chunk;
        if (!chunk) throw new InvalidArgumentError('chunk', 'missing: every message carries one');
        if (chunk.index === 0 && chunk.sizeBytes > options.maxBytes) {
          throw new InvalidArgumentError('chunk.size_bytes', `${chunk.sizeBytes} bytes is above this coordinator's limit of ${options.maxBytes} bytes (${options.limitVariable}); name larger data by an https:// URL pinned by its sha256 (url#sha256=<hex>, which the coordinator and the workers download), by a catalog dataset, or put it where the coordinator and the workers find it (METATRAIN_DATA_DIR)`);
        }
        receiver.push(chunk);
      } catch (error) {
        answer(error);
      }
    });
    call.on('end', () => {
      if (settled) return;
      const store = async (): Promise<UploadDataResponse> => {
        if (receiver.received === 0) throw new InvalidArgumentError('chunk', 'missing: the stream ended without one');
        const { bytes, sha256 } = receiver.finish();
        await options.data.put(bytes, sha256);
        return { reference: `sha256:${sha256}`, sizeBytes: bytes.length };
      };
      store().then(
        (response) => answer(undefined, response),
        (error: unknown) => answer(error),
      );
    });
    call.on('cancelled', () => {
      settled = true;
    });
  };
}
