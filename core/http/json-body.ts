import type { RequestHandler } from 'express';

/**
 * The JSON body of the request nearly every client sends — `Content-Type: application/json`
 * (UTF-8 or no charset), no Content-Encoding, a Content-Length within the limit — read straight
 * off the request (issue 13: body-parser's general path was ~0.2 ms of a shopper's message before
 * its first token: type-is, content-type, iconv, raw-body, http-errors). Anything else (compressed,
 * another charset, chunked, `application/*+json`, over the limit) goes to `general` (express.json)
 * as before. The errors carry body-parser's `type`s, so core/http/problem.ts answers the same
 * problems (400 malformed-json, 400 request-aborted).
 */
export function jsonBody(limitBytes: number, general: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const type = req.headers['content-type'];
    const length = req.headers['content-length'];
    if (
      type === undefined ||
      length === undefined ||
      req.headers['content-encoding'] !== undefined ||
      req.headers['transfer-encoding'] !== undefined ||
      req.readableEnded ||
      !PLAIN_JSON.test(type) ||
      Number(length) > limitBytes
    ) {
      general(req, res, next);
      return;
    }
    const size = Number(length);
    const chunks: Buffer[] = [];
    let received = 0;
    const done = (error?: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      next(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (received !== size) return done(bodyError('request.size.invalid', 'The request body does not match its Content-Length.'));
      let text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received)).toString('utf8');
      // A byte-order mark is not JSON; body-parser's decoder dropped it too.
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      try {
        req.body = parseStrict(text);
      } catch (error) {
        return done(bodyError('entity.parse.failed', error instanceof Error ? error.message : 'invalid JSON'));
      }
      done();
    };
    const onError = () => done(bodyError('request.aborted', 'request aborted'));
    const onClose = () => {
      if (!req.readableEnded) onError();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  };
}

/** `application/json`, with no parameter or only a UTF-8 charset (quoted or not, any case). */
const PLAIN_JSON = /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:utf-8|"utf-8")[ \t]*)?$/i;

/** express.json's strict mode: an object or an array; an empty body is `{}` (a common client mistake it forgives). */
function parseStrict(text: string): unknown {
  if (text.length === 0) return {};
  const first = /^[\x20\x09\x0a\x0d]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new SyntaxError(`Unexpected token ${first === undefined ? 'end of input' : JSON.stringify(first)}: only an object or an array is accepted`);
  return JSON.parse(text) as unknown;
}

function bodyError(type: string, message: string): Error {
  return Object.assign(new Error(message), { type, status: 400, statusCode: 400, expose: true });
}
