import type { FastifyReply, FastifyRequest } from 'fastify';
import { isTerminal, type AnalysisJobs, type JobView } from '../jobs/analysisJobs.js';

/**
 * Streams a job as server-sent events: `progress` events (without the result) while it is queued or
 * running, then one final event named after its status (`done`, `failed`, `cancelled`) carrying the full
 * job, and the stream ends. A comment line every 15 s keeps proxies from closing an idle stream.
 */
export function streamJobEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  jobs: AnalysisJobs,
  id: string,
  keepaliveMs = 15_000,
): void {
  const first = jobs.get(id);
  if (!first) return; // the caller checked; nothing to stream
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let ended = false;
  let unsubscribe: (() => void) | undefined;
  const keepalive = setInterval(() => raw.write(': keepalive\n\n'), keepaliveMs);
  keepalive.unref();
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(keepalive);
    unsubscribe?.();
    raw.end();
  };
  const send = (view: JobView) => {
    if (ended) return;
    const terminal = isTerminal(view.status);
    const data = terminal ? view : { ...view, result: undefined };
    raw.write(`event: ${terminal ? view.status : 'progress'}\ndata: ${JSON.stringify(data)}\n\n`);
    if (terminal) end();
  };
  request.raw.on('close', end);
  send(first);
  if (!ended) unsubscribe = jobs.subscribe(id, send);
}
