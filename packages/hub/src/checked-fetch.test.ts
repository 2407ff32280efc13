import { describe, expect, it } from 'vitest';
import { checkedFetch, readWithin } from './checked-fetch.js';
import { HubError } from './hub-error.js';

const REV = 'http://hub.test/api/models/org/tiny/revision/main';

describe('checkedFetch', () => {
  it('gives up a request that gets no answer, and aborts it', async () => {
    let signal: AbortSignal | undefined;
    const never: typeof fetch = (_input, init) => {
      signal = init?.signal ?? undefined;
      return new Promise(() => undefined);
    };
    const e = await checkedFetch(never, { timeoutMs: 50 })(REV).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HubError);
    expect((e as HubError).reason).toBe('network');
    expect((e as Error).message).toBe(`GET ${REV}: no answer within 50 ms (raise HF_HUB_DOWNLOAD_TIMEOUT for a slow link)`);
    expect(signal?.aborted).toBe(true);
  });

  it('lets a request with a body (an upload) take as long as it needs before its answer', async () => {
    const answer = JSON.stringify({ commitOid: '0123456789abcdef0123456789abcdef01234567', commitUrl: 'http://hub.test/org/tiny/commit/0123456789abcdef0123456789abcdef01234567' });
    const slow: typeof fetch = () => new Promise((resolve) => setTimeout(() => resolve(new Response(answer, { status: 200 })), 120));
    const res = await checkedFetch(slow, { timeoutMs: 30 })('http://hub.test/api/models/org/tiny/commit/main', { method: 'POST', body: 'x' });
    expect(await res.text()).toBe(answer);
  });

  it('checks revision info before the client reads it, and passes a good answer on unchanged', async () => {
    const answer = (body: string): typeof fetch => () => Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }));
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const ok = await checkedFetch(answer(JSON.stringify({ sha, extra: 1 })), { timeoutMs: 1000 })(REV);
    expect(await ok.json()).toEqual({ sha, extra: 1 });
    const e = await checkedFetch(answer('[]'), { timeoutMs: 1000 })(REV).catch((x: unknown) => x);
    expect((e as HubError).reason).toBe('malformed');
    expect((e as Error).message).toMatch(/^http:\/\/hub\.test\/api\/models\/org\/tiny\/revision\/main: /);
  });

  it('passes an error answer whose body is not a JSON object on as text, keeping its status', async () => {
    const broken: typeof fetch = () => Promise.resolve(new Response('null', { status: 404, headers: { 'content-type': 'application/json' } }));
    const res = await checkedFetch(broken, { timeoutMs: 1000 })(REV);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('null');
  });
});

describe('readWithin', () => {
  it('fails a read that waits longer than the timeout, naming the file', async () => {
    const reader = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => undefined) }).getReader();
    await expect(readWithin(reader, 30, 'org/tiny/model.safetensors')).rejects.toThrow('org/tiny/model.safetensors: no data for 30 ms');
  });
});
