export { createComfyClient, ComfyClient } from './client.js';
export type { FetchLike, TransportOptions } from './transport.js';
export type {
  CallOptions,
  ComfyClientOptions,
  GetQueueOptions,
  QueuedPrompt,
  QueuePriority,
  QueuePromptOptions,
  UploadImageOptions,
  ViewOptions,
  ViewResult,
} from './client.js';
export {
  ComfyError,
  ComfyHttpError,
  ComfyProtocolError,
  ComfyTimeoutError,
  ComfyUnreachableError,
  ComfyValidationError,
  isRetryableError,
} from './errors.js';
export type { ComfyErrorKind } from './errors.js';
export { ComfySocket, createComfySocket } from './events.js';
export type {
  ComfySocketEvent,
  ComfySocketOptions,
  ConnectionEvent,
  ConnectionState,
  HeartbeatOptions,
  PreviewEvent,
  ReconnectOptions,
} from './events.js';
export { isTerminal, jobStateFromOutcome, trackJob, waitForJob } from './jobs.js';
export type { JobSource, JobState, JobStatus, TerminalJobState, TrackJobOptions } from './jobs.js';
export { parseMessage, promptIdOf } from './messages.js';
export {
  executionSeconds,
  findInQueue,
  imagesFromOutputs,
  normaliseHistoryItem,
  parseHistory,
  parseHistoryEntry,
  parseNodeErrors,
  parseQueue,
  timingFromMessages,
} from './responses.js';
export type {
  ComfyMessage,
  ExecutedMessage,
  ExecutingMessage,
  ExecutionCachedMessage,
  ExecutionErrorMessage,
  ExecutionInterruptedMessage,
  ExecutionStartMessage,
  ExecutionSuccessMessage,
  ProgressMessage,
  StatusMessage,
  UnknownMessage,
} from './messages.js';
export type {
  ComfyInputError,
  ComfyNodeError,
  ComfyPrompt,
  ComfyPromptNode,
  ExecutionFailure,
  ExecutionTiming,
  HistoryEntry,
  HistoryMessage,
  HistoryOutcome,
  ImageRef,
  OutputImage,
  QueueItem,
  QueuePromptResult,
  QueueSnapshot,
  SystemStats,
  UploadResult,
} from './responses.js';
// GET /object_info's shape is shared with the web app, so it lives in the contract.
export type { NodeClassInfo, ObjectInfo } from '@atelier/contract';
export { decodeBinaryFrame, encodePreviewFrame } from './previews.js';
export type { DecodedBinaryFrame, PreviewFormat, PreviewImage } from './previews.js';
export { backoffDelay } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
