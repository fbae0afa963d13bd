import { FetchError, UnrecoverableError } from '../errors';

/**
 * `fetch` for a job: aborted with the job, and throwing what tells the queue whether to retry. Unlike
 * workbox-background-sync, an HTTP 5xx is a failure here, never a success that drops the request. A request
 * that must not wait forever for a server that accepts it and never answers takes a signal of its own
 * (`AbortSignal.timeout(ms)`): when it times out, that is no answer, a retryable `FetchError`.
 */
export async function jobFetch(input: RequestInfo | URL, init: RequestInit | undefined, signal: AbortSignal): Promise<Response> {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  let response: Response;
  try {
    response = await fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    // The handler's own signal: a timeout it set is a request that got no answer, retried as such; any other
    // abort is the handler's doing, and what it aborted with is what it gets.
    const timedOut = init?.signal?.aborted && (init.signal.reason as Error | undefined)?.name === 'TimeoutError';
    if (init?.signal?.aborted && !timedOut) throw error;
    const offline = !timedOut && typeof navigator !== 'undefined' && navigator.onLine === false;
    throw new FetchError(`${timedOut ? 'No answer in time' : offline ? 'Offline' : 'Network failure'}: could not fetch ${url}`, { cause: error, offline });
  }
  if (response.ok || (response.status >= 300 && response.status < 400)) return response;
  const what = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} from ${url}`;
  if (response.status >= 500 || response.status === 429) {
    throw new FetchError(what, { status: response.status, retryAfterMs: retryAfter(response.headers.get('Retry-After')) });
  }
  throw new UnrecoverableError(`${what}: a request the server refuses will not succeed by retrying`, {
    cause: new FetchError(what, { status: response.status }),
  });
}

/** `Retry-After` as milliseconds: either seconds, or an HTTP date. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
