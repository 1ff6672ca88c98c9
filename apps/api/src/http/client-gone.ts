import type { Request, Response } from 'express';

/** What Node, Express's sendFile, body-parser and multer raise when the client closes the connection mid-request. */
const abortCodes = new Set(['ECONNABORTED', 'ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);
const abortMessages = new Set(['Request aborted', 'Request closed', 'aborted']);

/**
 * True when `error` only says the client went away (a closed tab, a cancelled fetch, a proxy giving up):
 * the connection closed before the response finished and the error is one a closed connection raises.
 * Nobody is left to answer, and it is not a server error; any other error on such a request still is.
 */
export function isClientGone(error: unknown, req: Request, res: Response): boolean {
  const closed = !res.writableFinished && (res.destroyed || req.socket?.destroyed === true);
  if (!closed || !(error instanceof Error)) return false;
  const { code, type } = error as { code?: unknown; type?: unknown };
  return (
    (typeof code === 'string' && abortCodes.has(code)) ||
    type === 'request.aborted' ||
    abortMessages.has(error.message)
  );
}
