/**
 * A `fetch` over a stub server's `answer(url, init)` that follows redirects as Node's fetch does: at
 * most 20, then a `TypeError('fetch failed')`; each final response carries the URL it came from.
 *
 * @example
 * ```ts
 * readonly fetch = stubFetch((url, init) => this.answer(url, init));
 * ```
 */
export function stubFetch(answer: (url: string, init: RequestInit | undefined) => Promise<Response>): typeof fetch {
  return async (input, init) => {
    let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    for (let hops = 0; ; hops++) {
      const res = await answer(url, init);
      if (![301, 302, 303, 307, 308].includes(res.status)) {
        Object.defineProperty(res, 'url', { value: url });
        return res;
      }
      if (hops === 20) throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
      url = new URL(res.headers.get('location') ?? '/', url).href;
    }
  };
}
