// The job loop's blocks computed in this process (`metatrain train`). Loads TensorFlow.js.
export { InProcessShards, inProcessExporter, IN_PROCESS_WORKER } from './in-process-shards';
